package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/report"
)

func init() {
	register("report", "run the BGD study and write the HTML report (figures, tables, claims checked, notebooks)", runReport)
}

func runReport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "out/report", "output folder (rerunning reuses finished runs)")
	full := fs.Bool("full", false, "the real study: full data, more seeds (hours on 2 cores); default --quick")
	quick := fs.Bool("quick", false, "the quick study: subsets, fewer seeds (minutes; the default)")
	nbDir := fs.String("notebooks", "notebooks", "folder with the notebooks to execute and include (\"\" to skip)")
	allNB := fs.Bool("all-notebooks", false, "execute the whole course (by default the study's notebooks 01–03; with --full, at full size)")
	tools := fs.String("tools", ".tools", "folder with bin/ (gonb, goimports, gopls) and jupyter/ (the GoNB kernelspec), made by scripts/setup")
	sections := fs.String("sections", "", "comma-separated subset of sections: "+strings.Join(report.SectionIDs(), ","))
	figures := fs.String("figures", "", "also write the figures here (e.g. figures/ for the committed canonical run)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if *full && *quick {
		return usagef("--full and --quick are exclusive")
	}
	if *nbDir != "" {
		if paths, _ := filepath.Glob(filepath.Join(*nbDir, "*.ipynb")); len(paths) == 0 {
			return usagef("no notebooks in %s (--notebooks; use --notebooks \"\" to skip them)", *nbDir)
		}
	}
	var secs []string
	if *sections != "" {
		secs = strings.Split(*sections, ",")
	}
	b, ctx, done, err := session(stderr)
	if err != nil {
		return err
	}
	defer done()
	absTools, _ := filepath.Abs(*tools)
	index, err := report.Run(ctx, report.Config{Out: *out, Full: *full, Backend: b, Progress: stderr, Notebooks: *nbDir, AllNotebooks: *allNB, Tools: absTools,
		Command: commandLine(append([]string{"bgdlab", "report"}, args...)), Sections: secs, RepoFigures: *figures})
	if err != nil {
		if strings.Contains(err.Error(), "unknown section") {
			return usagef("%v", err)
		}
		return err
	}
	fmt.Fprintf(stdout, "report written to %s\n", index)
	return nil
}

// commandLine quotes arguments that are empty or contain spaces.
func commandLine(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'") {
			a = strconv.Quote(a)
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
