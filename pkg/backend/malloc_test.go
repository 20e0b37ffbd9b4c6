package backend_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

func TestWithHugePageMalloc(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", backend.HugePageMalloc},
		{"glibc.malloc.arena_max=2", "glibc.malloc.arena_max=2:" + backend.HugePageMalloc},
		{"glibc.malloc.hugetlb=0", "glibc.malloc.hugetlb=0"},
		{"glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2"},
		{"glibc.malloc.hugetlbx=1", "glibc.malloc.hugetlbx=1:" + backend.HugePageMalloc},
	} {
		if got := backend.WithHugePageMalloc(tc.in); got != tc.want {
			t.Errorf("WithHugePageMalloc(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// faultBytes is the size of the temporary the faults child's graph
// materializes in every execution (a Gather feeding a matrix product).
const faultBytes = 16384 * 2048 * 4

// faultsChild runs a graph with a faultBytes temporary on the XLA CPU
// backend and prints the minor page faults of one execution (the mean of
// four, after a warm-up): "FAULTS n".
func faultsChild() {
	fail := func(err error) { fmt.Println("ERR", err); os.Exit(0) }
	b, _, err := backend.New()
	if err != nil {
		fail(err)
	}
	const rows, cols, picks = 1024, 2048, faultBytes / (2048 * 4)
	x := make([]float32, rows*cols)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	idx := make([]int32, picks)
	for i := range idx {
		idx[i] = int32(i * 7919 % rows)
	}
	exec, err := graph.NewExec(b, func(x, idx *graph.Node) *graph.Node {
		patches := graph.Gather(x, graph.Reshape(idx, picks, 1)) // [picks, cols]: the temporary
		w := graph.OnesLike(graph.Reshape(idx, 1, picks))
		return graph.ReduceAllSum(graph.DotGeneral(graph.ConvertDType(w, x.DType()), []int{1}, nil, patches, []int{0}, nil))
	})
	if err != nil {
		fail(err)
	}
	xt, it := tensors.FromFlatDataAndDimensions(x, rows, cols), tensors.FromFlatDataAndDimensions(idx, picks)
	run := func() {
		out, err := exec.Exec(xt, it)
		if err != nil {
			fail(err)
		}
		out[0].FinalizeAll()
	}
	run()
	var before, after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	const n = 4
	for range n {
		run()
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	fmt.Println("FAULTS", (after.Minflt-before.Minflt)/n)
	os.Exit(0)
}

// TestHugePageMallocStopsXLAFaults shows the defect HugePageMalloc works
// around and that the setting the CLI and scripts give their processes
// removes it: an XLA execution whose temporary is faultBytes faults it in
// page by page without the tunable, and in a few huge pages with it.
func TestHugePageMallocStopsXLAFaults(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("glibc tunables are Linux-only")
	}
	requirePlugin(t)
	thp, _ := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if strings.Contains(string(thp), "[never]") || len(thp) == 0 {
		t.Skipf("transparent huge pages are off (%q): the tunable cannot help here", strings.TrimSpace(string(thp)))
	}
	faults := func(tunables string) int {
		out, _ := child(t, t.TempDir(), "BGDLAB_TEST_CHILD=faults", "BGDLAB_BACKEND=xla:cpu",
			"PJRT_PLUGIN_LIBRARY_PATH="+pluginDir(t), "GLIBC_TUNABLES="+tunables)
		var n int
		if _, err := fmt.Sscanf(out, "FAULTS %d", &n); err != nil {
			t.Fatalf("faults child: %q", out)
		}
		return n
	}
	pages := faultBytes / os.Getpagesize()
	without, with := faults("glibc.malloc.hugetlb=0"), faults(backend.WithHugePageMalloc(""))
	t.Logf("minor faults per execution with a %d MiB temporary (%d pages): %d without %s, %d with it (transparent huge pages: %s)",
		faultBytes>>20, pages, without, backend.HugePageMalloc, with, strings.TrimSpace(string(thp)))
	if strings.Contains(string(thp), "[madvise]") && without < pages/2 {
		t.Errorf("without the tunable an execution faulted %d times, expected about %d: the defect HugePageMalloc works around is gone (drop it)", without, pages)
	}
	if with > pages/8 {
		t.Errorf("with %s an execution still faulted %d times (%d pages of temporaries): the tunable no longer reaches XLA's buffers", backend.WithHugePageMalloc(""), with, pages)
	}
}
