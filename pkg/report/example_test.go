package report_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/report"
)

// The report's first section alone — the textbook example at several step
// sizes — written to a folder: index.html with the "Claims checked" table,
// figures and raw results. `bgdlab report` and scripts/report run every
// section (and the notebooks) the same way.
func ExampleRun() {
	b, err := backend.NewWithConfig("go")
	if err != nil {
		panic(err)
	}
	defer b.Finalize()
	out, err := os.MkdirTemp("", "report-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(out)
	index, err := report.Run(context.Background(), report.Config{Out: out, Backend: b, Sections: []string{"textbook"}})
	if err != nil {
		panic(err)
	}
	_, statErr := os.Stat(filepath.Join(out, "figures", "textbook_step_sizes.png"))
	fmt.Println(filepath.Base(index), statErr == nil)
	// Output:
	// index.html true
}
