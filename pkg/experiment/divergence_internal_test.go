package experiment

import (
	"math"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/train"
)

func TestFirstExploding(t *testing.T) {
	layers := []string{"layer_00", "layer_01", "layer_02"}
	rows := func(norms ...[]float64) []train.Record {
		var h []train.Record
		for i, n := range norms {
			h = append(h, train.Record{Step: i, LayerGradNorms: n})
		}
		return h
	}
	for _, tc := range []struct {
		h     []train.Record
		layer string
		step  int
	}{
		{rows([]float64{1, 1, 1}, []float64{10, 10, 10}, []float64{999, 999, 999}), "", 0},
		{rows([]float64{1, 1, 1}, []float64{2, 2000, 1}, []float64{5000, 5000, 5000}), "layer_01", 1},
		{rows([]float64{1, 1, 1}, []float64{1, 1, math.NaN()}), "layer_02", 1},
		{rows([]float64{1, 1, 1}, []float64{1e4, 1e4, 1}), "layer_00", 1}, // tie: the input side
		{nil, "", 0},
	} {
		if l, s := firstExploding(tc.h, layers); l != tc.layer || s != tc.step {
			t.Errorf("firstExploding = %q at %d, want %q at %d", l, s, tc.layer, tc.step)
		}
	}
}
