package sweep_test

import (
	"context"
	"fmt"
	"os"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/sweep"
)

// A two-rate grid of full-batch GD on the textbook problem, two seeds: four
// runs, summarized per learning rate. (The losses equal a float64
// recomputation of the 200 updates by hand: 0.0124 and 5.26e-05.)
func Example() {
	c := &sweep.Config{
		Name:       "textbook-gd",
		Base:       experiment.Spec{Data: data.MustParse("textbook"), Model: models.MustParse("linear"), Batch: data.MustParseRegime("full"), Steps: 200, DType: "float64", Init: "zeros"},
		Optimizers: []string{"gd"},
		Grid:       map[string][]any{"lr": {0.01, 0.05}},
		Seeds:      []uint64{1, 2},
	}
	plans, err := c.Expand()
	if err != nil {
		panic(err)
	}
	out, err := os.MkdirTemp("", "sweep")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(out)
	results, err := sweep.Run(context.Background(), nil, c, plans, out, sweep.Options{})
	if err != nil {
		panic(err)
	}
	for _, s := range sweep.Summaries(c, plans, results) {
		st := s.Stats["train_loss"]
		fmt.Printf("%s: %d runs, final train loss %.3g\n", s.Config, s.Runs, st.Mean)
	}
	// Output:
	// gd lr=0.01: 2 runs, final train loss 0.0124
	// gd lr=0.05: 2 runs, final train loss 5.26e-05
}
