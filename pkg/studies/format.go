package studies

import (
	"fmt"
	"math"
	"strconv"

	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/stats"
)

func g(v float64) string  { return strconv.FormatFloat(v, 'g', 4, 64) }
func g6(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func column(h []experiment.Record, f func(experiment.Record) float64) []float64 {
	out := make([]float64, len(h))
	for i, r := range h {
		out[i] = f(r)
	}
	return out
}

func steps(h []experiment.Record) []float64 {
	return column(h, func(r experiment.Record) float64 { return float64(r.Step) })
}

func ci(st stats.Summary) string {
	if math.IsNaN(st.CI95) {
		return ""
	}
	return " ± " + g(st.CI95)
}

func ci4(st stats.Summary) string {
	if math.IsNaN(st.CI95) {
		return ""
	}
	return fmt.Sprintf(" ± %.4f", st.CI95)
}

// parseG3 rounds v to 3 significant digits (4e-4, not 3.9999999999999996e-4).
func parseG3(v float64) (float64, error) {
	return strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
}
