// Command cudaplugin installs the XLA CUDA PJRT plugin and the NVIDIA
// libraries it needs into a project folder, pinned to one jax-cuda12-pjrt
// version, using go-xla's installer (which checks every downloaded file's
// sha256 against PyPI's). scripts/setup runs it only when nvidia-smi reports
// a GPU; bgdlab itself never downloads at run time.
//
//	go run ./scripts/cudaplugin -version 0.11.2 -dir .tools/pjrt
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gomlx/go-xla/installer"
)

func main() {
	version := flag.String("version", "", "jax-cuda12-pjrt version to install (required, e.g. 0.11.2)")
	dir := flag.String("dir", ".tools/pjrt", "folder to install into; the plugin lands in DIR/nvidia")
	flag.Parse()
	if *version == "" || *version == "latest" {
		fmt.Fprintln(os.Stderr, "cudaplugin: -version must name an exact jax-cuda12-pjrt version, e.g. 0.11.2")
		os.Exit(2)
	}
	if err := installer.CudaInstall("cuda12", *version, *dir, true, installer.Normal); err != nil {
		fmt.Fprintf(os.Stderr, "cudaplugin: %v\n", err)
		os.Exit(1)
	}
}
