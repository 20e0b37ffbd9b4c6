package studies_test

import (
	"context"
	"fmt"
	"os"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/studies"
)

// A study runs its experiments and returns tables, figures and claims whose
// verdicts it computed from the measurements.
func ExampleTextbook() {
	b := backend.MustNew()
	defer b.Finalize()
	dir, _ := os.MkdirTemp("", "study")
	defer os.RemoveAll(dir)
	st, err := studies.Textbook(&studies.Env{Backend: b, Ctx: context.Background(), Results: dir})
	if err != nil {
		panic(err)
	}
	fmt.Println(st.Title)
	for _, c := range st.Claims {
		fmt.Printf("%s → %s\n", c.Statement, c.Verdict)
	}
	// Output:
	// 1. The textbook example
	// “BGD iterations are stable and never diverge.” → refuted
	// “BGD's update W ← W − α∂L/∂W + β Σⱼ (∂L/∂Wⱼ)⊙(∂L/∂θⱼ) is an efficient, stable descent method.” (the seed article's rule, read literally as θ ← θ − αg + βg⊙g; textbook data) → refuted
}
