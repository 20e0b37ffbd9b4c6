package plots_test

import (
	"bytes"
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/plots"
)

// A loss curve and its prediction, rendered to PNG (notebooks show it inline
// with plots.Show; the report saves it with plots.Save).
func ExampleCurves() {
	steps := []float64{0, 1, 2, 3, 4}
	measured := []float64{1, 0.5, 0.25, 0.125, 0.0625}
	p := plots.Curves("GD on a quadratic", "step", "loss", true,
		plots.Series{Name: "gd", X: steps, Y: measured},
		plots.Series{Name: "predicted", X: steps, Y: measured, Dashed: true})
	png, err := plots.PNG(p)
	if err != nil {
		panic(err)
	}
	fmt.Println(bytes.HasPrefix(png, []byte("\x89PNG")))
	// Output:
	// true
}
