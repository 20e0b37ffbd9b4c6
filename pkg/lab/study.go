package lab

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/bgdlab/bgdlab/pkg/studies"
)

// FullEnv, set to 1, makes notebooks run the full study instead of the
// quick one (ShowStudy, and the notebooks' own sizes).
const FullEnv = "BGDLAB_NOTEBOOK_FULL"

// Full reports whether the notebook runs in full mode ($BGDLAB_NOTEBOOK_FULL=1).
func Full() bool { return os.Getenv(FullEnv) == "1" }

// QuickOrFull is quick, or full in full mode: a notebook's sizes in one line.
func QuickOrFull[T any](quick, full T) T {
	if Full() {
		return full
	}
	return quick
}

// ShowStudy runs the report's study id (studies.IDs: "fashion", "recipe",
// "detection", …) — quick, or full with $BGDLAB_NOTEBOOK_FULL=1 — with its
// runs kept under CacheDir() for later cells, and shows it as the report
// does: its tables, its figures and its claims with their computed
// verdicts. It returns the study for cells that check it.
func ShowStudy(id string) studies.Study {
	env := StudyEnv()
	env.Full = Full()
	for _, s := range studies.All {
		if s.ID != id {
			continue
		}
		st, err := s.Run(env)
		if err != nil {
			panic(fmt.Sprintf("study %s: %v", id, err))
		}
		fmt.Println(st.Title)
		for _, t := range st.Tables {
			printTable(t)
		}
		for _, f := range st.Figures {
			Show(f.Plot, f.Name+".png")
		}
		for _, c := range st.Claims {
			fmt.Printf("\n%s\n  verdict: %s — %s\n", c.Statement, strings.ToUpper(string(c.Verdict)), c.Evidence)
		}
		return st
	}
	panic(fmt.Sprintf("lab.ShowStudy: no study %q; the studies are %s", id, strings.Join(studies.IDs(), ", ")))
}

// printTable prints a study table as aligned columns.
func printTable(t studies.Table) {
	fmt.Printf("\n%s\n", t.Caption)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(t.Header, "\t"))
	for _, r := range t.Rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	w.Flush()
}
