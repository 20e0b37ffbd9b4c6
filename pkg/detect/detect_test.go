package detect

import (
	"math"
	"math/rand/v2"
	"testing"
)

func box(x0, y0, x1, y1 float64) Box { return Box{x0, y0, x1, y1} }

func TestIoU(t *testing.T) {
	cases := []struct {
		a, b Box
		want float64
	}{
		{box(0, 0, 2, 2), box(0, 0, 2, 2), 1},
		{box(0, 0, 2, 2), box(1, 0, 3, 2), 2.0 / 6},
		{box(0, 0, 2, 2), box(2, 2, 3, 3), 0}, // touching corners
		{box(0, 0, 4, 4), box(1, 1, 2, 2), 1.0 / 16},
		{box(0, 0, 0, 0), box(0, 0, 0, 0), 0}, // empty boxes
	}
	for _, c := range cases {
		if got := IoU(c.a, c.b); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("IoU(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// scene is three images with objects of two classes.
func scene() [][]Object {
	return [][]Object{
		{{box(0, 0, 4, 4), 0}, {box(10, 10, 14, 14), 1}},
		{{box(2, 2, 6, 6), 0}},
		{{box(5, 0, 9, 3), 1}, {box(0, 5, 3, 9), 0}},
	}
}

// perfect detects every object exactly, with scores in (0, 1).
func perfect(truth [][]Object) [][]Detection {
	out := make([][]Detection, len(truth))
	for i, objs := range truth {
		for j, o := range objs {
			out[i] = append(out[i], Detection{o.Box, o.Class, 0.9 - 0.1*float64(j)})
		}
	}
	return out
}

// TestMeanAPHandComputed checks AP on cases worked out by hand.
func TestMeanAPHandComputed(t *testing.T) {
	truth := scene()
	all := COCOThresholds
	t.Run("perfect detector", func(t *testing.T) {
		if got := MeanAP(truth, perfect(truth), 2, all); got != 1 {
			t.Errorf("mAP@[.5:.95] = %v, want 1", got)
		}
	})
	t.Run("no detections", func(t *testing.T) {
		if got := MeanAP(truth, nil, 2, all); got != 0 {
			t.Errorf("mAP = %v, want 0", got)
		}
	})
	t.Run("wrong classes", func(t *testing.T) {
		d := perfect(truth)
		for i := range d {
			for j := range d[i] {
				d[i][j].Class = 1 - d[i][j].Class
			}
		}
		if got := MeanAP(truth, d, 2, all); got != 0 {
			t.Errorf("mAP = %v, want 0", got)
		}
	})
	t.Run("duplicates are false positives", func(t *testing.T) {
		// Class 1 has two objects (image 0 scored 0.8, image 2 0.9); each
		// detected twice, the duplicates below every original: TP, TP, FP,
		// FP → precision 1 up to recall 1: AP 1. A duplicate ranked between
		// the originals: TP, FP, TP, FP → precision 1 to recall 0.5 and 2/3
		// to recall 1: AP = (51·1 + 50·2/3)/101 on the 101 recall points.
		d := perfect(truth)
		d[0] = append(d[0], Detection{box(10, 10, 14, 14), 1, 0.5})
		d[2] = append(d[2], Detection{box(5, 0, 9, 3), 1, 0.4})
		ap, _ := AveragePrecision(truth, d, 1, 0.5)
		if math.Abs(ap-1) > 1e-15 {
			t.Errorf("duplicates ranked last: AP = %v, want 1", ap)
		}
		// Now image 0's duplicate (0.7) outranks image 2's original (0.6):
		// TP 0.8, FP 0.7, TP 0.6, FP 0.4.
		d[0][2].Score, d[2][0].Score = 0.7, 0.6
		ap, _ = AveragePrecision(truth, d, 1, 0.5)
		if want := (51 + 50*2.0/3) / 101; math.Abs(ap-want) > 1e-15 {
			t.Errorf("a duplicate ranked second: AP = %v, want %v", ap, want)
		}
	})
	t.Run("IoU thresholds", func(t *testing.T) {
		// Every detection shifted so that its IoU with its object is 0.6:
		// matched at 0.5, 0.55 and 0.6 only — 3 of 10 thresholds.
		d := perfect(truth)
		for i := range d {
			for j := range d[i] {
				b := d[i][j].Box
				w := b.X1 - b.X0
				s := w / 4 // IoU = (w−s)/(w+s) = 0.6
				d[i][j].Box = Box{b.X0 + s, b.Y0, b.X1 + s, b.Y1}
			}
		}
		if got := MeanAP(truth, d, 2, all); math.Abs(got-0.3) > 1e-12 {
			t.Errorf("mAP@[.5:.95] = %v, want 0.3", got)
		}
		if got := MeanAP(truth, d, 2, []float64{0.5}); got != 1 {
			t.Errorf("mAP@0.5 = %v, want 1", got)
		}
	})
	t.Run("shuffled boxes", func(t *testing.T) {
		// Each image gets another image's detections, boxes moved far off:
		// nothing matches.
		rng := rand.New(rand.NewPCG(1, 2))
		var tr [][]Object
		var d [][]Detection
		for i := 0; i < 50; i++ {
			x, y := rng.Float64()*100, rng.Float64()*100
			tr = append(tr, []Object{{box(x, y, x+5, y+5), rng.IntN(3)}})
		}
		for i := range tr {
			o := tr[(i+1)%len(tr)][0]
			d = append(d, []Detection{{Box{o.Box.X0 + 200, o.Box.Y0, o.Box.X1 + 200, o.Box.Y1}, o.Class, rng.Float64()}})
		}
		if got := MeanAP(tr, d, 3, []float64{0.5}); got != 0 {
			t.Errorf("mAP@0.5 = %v, want 0", got)
		}
	})
	t.Run("class without ground truth", func(t *testing.T) {
		if got := MeanAP(truth, perfect(truth), 3, all); got != 1 {
			t.Errorf("mAP over 3 classes (class 2 has none) = %v, want 1: a class without ground truth is left out", got)
		}
		if _, ok := AveragePrecision(truth, nil, 2, 0.5); ok {
			t.Error("class 2 has no ground truth: AveragePrecision should say so")
		}
	})
}
