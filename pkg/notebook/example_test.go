package notebook_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/bgdlab/bgdlab/pkg/notebook"
)

// Check reads an executed notebook and lists its failed cells. GoNB reports
// a failing Go cell as stderr output, not as an "error" output, so Check
// looks for both; a cell that never ran is a problem too.
func ExampleCheck() {
	const executed = `{"cells": [
 {"cell_type": "code", "execution_count": 1, "source": "!*echo SETUP-OK", "outputs": [{"output_type": "stream", "name": "stdout", "text": "SETUP-OK\n"}]},
 {"cell_type": "code", "execution_count": 2, "source": "%%\nfmt.Println(1)", "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}]},
 {"cell_type": "code", "execution_count": 3, "source": "%%\npanic(\"no\")", "outputs": [{"output_type": "stream", "name": "stderr", "text": "panic: no\n"}]}
], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`
	dir, err := os.MkdirTemp("", "notebook-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "executed.ipynb")
	if err := os.WriteFile(path, []byte(executed), 0o644); err != nil {
		panic(err)
	}
	problems, err := notebook.Check(path)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(problems), "problem(s)")
	// Output:
	// 1 problem(s)
}
