package models

import (
	"math"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestDetectorDecodesItsTargets builds the outputs a perfect detector would
// give — objectness and class logits of ±10, box logits logit(corner) — from
// generated targets and checks that decoding and scoring them gives mAP 1,
// and that boxes three times as wide (IoU 1/3) give mAP 0 at IoU 0.5.
func TestDetectorDecodesItsTargets(t *testing.T) {
	d, err := data.DetectionImages(50, 32, 4, 4, 0.1, 7)
	if err != nil {
		t.Fatal(err)
	}
	m := MustNew(Detector{})
	if err := m.Bind(d); err != nil {
		t.Fatal(err)
	}
	k, cells := m.cellOutputs(), 16
	out := make([]float64, d.N*cells*k)
	shifted := make([]float64, len(out))
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	for i := range d.N {
		for c := range cells {
			y := d.Y[(i*cells+c)*data.DetectionCell:]
			o := out[(i*cells+c)*k : (i*cells+c+1)*k]
			o[0] = -10
			if y[0] == 1 {
				o[0] = 10
			}
			for j := range 3 {
				o[1+j] = -10
				if j == int(y[1]) {
					o[1+j] = 10
				}
			}
			w, h := y[4]-y[2], y[5]-y[3]
			if y[0] == 1 { // the head's box form: offset in the cell, width, height
				gx, gy := float64(c%4), float64(c/4)
				o[4], o[5], o[6], o[7] = logit(2*(y[2]+y[4])-gx), logit(2*(y[3]+y[5])-gy), logit(w), logit(h)
			}
			copy(shifted[(i*cells+c)*k:], o)
			if y[0] == 1 { // three times as wide: IoU 1/3
				shifted[(i*cells+c)*k+6] = logit(3 * w)
			}
		}
	}
	// The loss agrees with the decoding: ≈ 0 for the perfect outputs (only
	// the ±10 logits' cross-entropies, 16·log(1 + e⁻¹⁰) per image).
	b, err := backend.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	loss := func(o []float64) float64 {
		return tensors.ToScalar[float64](graph.MustExecOnce(b, func(o, y *graph.Node) *graph.Node { return m.detectionLoss(o, y) },
			tensors.FromFlatDataAndDimensions(o, d.N, cells*k), tensors.FromFlatDataAndDimensions(d.Y, d.N, d.T)))
	}
	if got := loss(out); got > 16*math.Log1p(math.Exp(-10))+1e-6 {
		t.Errorf("the loss of the perfect outputs is %v, want ≤ %v", got, 16*math.Log1p(math.Exp(-10)))
	}
	if got := loss(shifted); got < 0.01 {
		t.Errorf("the loss of boxes three times too wide is %v: the box term is lost", got)
	}
	if got := m.ScoreDetections(out, d.Y, d.N); math.Abs(got-1) > 1e-9 {
		t.Errorf("a perfect detector scores mAP@0.5 = %v, want 1", got)
	}
	if got := m.ScoreDetections(shifted, d.Y, d.N); got != 0 {
		t.Errorf("boxes three times as wide score mAP@0.5 = %v, want 0 (IoU 1/3)", got)
	}
}

// TestDetectorBindRefusesOtherData: a detector needs detection targets,
// and detection targets need a detector.
func TestDetectorBindRefusesOtherData(t *testing.T) {
	det, err := data.DetectionImages(4, 16, 2, 2, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := data.LocalizationImages(4, 16, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		m    Config
		d    *data.Dataset
		want string
	}{
		{Detector{}, loc, "model detector needs detection targets"},
		{CNN{}, det, "it needs model detector, not cnn"},
		{MLP{}, det, "it needs model detector, not mlp"},
	} {
		err := MustNew(c.m).Bind(c.d)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s on %s: %v, want an error containing %q", c.m, c.d.Name, err, c.want)
		}
	}
	if err := MustNew(Detector{}).Bind(det); err != nil {
		t.Errorf("detector on detection: %v", err)
	}
}
