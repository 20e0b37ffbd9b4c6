package models

import (
	"fmt"
	"math"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/detect"
	"github.com/bgdlab/bgdlab/pkg/spec"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
)

// Detector is a small one-stage, anchor-free grid detector for the
// detection data set (data.Detection): a 3×3 convolution of Width channels,
// then 3×3 convolutions of 2·Width channels with stride 2 down to the data's
// grid, and a 1×1 head giving each cell an objectness logit, class logits
// and a box as YOLO writes it: the centre's offset within the cell and the
// width and height in image fractions, each a sigmoid (a convolution cannot
// tell absolute positions, so the cell supplies them). Its loss, per image,
// sums over cells the objectness's binary cross-entropy and, in cells that
// hold an object, the class's cross-entropy and 5× the box's squared error
// (YOLO's weighting); its metric is mAP@0.5 (pkg/detect) over a whole split.
type Detector struct {
	// Width is the first convolution's channels, ≥ 1. Default 16.
	Width int `spec:"width" default:"16"`
	// Init is the weights' initialization. Default He.
	Init Init `spec:"init" default:"he"`
	// L2 is the weight penalty, ≥ 0. Default 0.
	L2 float64 `spec:"l2"`
}

// Kind returns the registered name.
func (Detector) Kind() string { return "detector" }

// String formats the configuration as a spec.
func (c Detector) String() string { return spec.Encode(c.Kind(), c) }

// Validate checks the fields.
func (c Detector) Validate() error {
	if c.Width < 0 || c.Width == spec.ZeroInt {
		return fmt.Errorf("model detector: width=%d must be ≥ 1 (field Detector.Width)", c.Width)
	}
	return firstErr(l2OK("Detector", c.L2), initOK("Detector", c.Init))
}

// detectorLayers are the detector's layers for images of side size, c
// channels, reaching grid cells per side.
func (m *Model) detectorLayers() []layer {
	w := m.Hidden[0]
	c := m.featureShape[2]
	ls := []layer{{scope: "conv_0", w: []int{3, 3, c, w}, bias: true, fanIn: 9 * c, fanOut: 9 * w, conv: true, stride: 1, activation: true}}
	in := w
	for s, i := m.featureShape[0], 1; s > m.grid; s, i = s/2, i+1 {
		ls = append(ls, layer{scope: fmt.Sprintf("conv_%d", i), w: []int{3, 3, in, 2 * w}, bias: true, fanIn: 9 * in, fanOut: 18 * w, conv: true, stride: 2, activation: true})
		in = 2 * w
	}
	k := m.cellOutputs()
	return append(ls, layer{scope: "head", w: []int{1, 1, in, k}, bias: true, fanIn: in, fanOut: k, conv: true, stride: 1})
}

// cellOutputs is the detector's outputs per cell: objectness, class logits,
// box corners.
func (m *Model) cellOutputs() int { return 1 + m.classes + 4 }

// detectionLoss is the detector's loss of outputs out [B, G²·K] against
// targets y [B, G²·6] (data.DetectionCell per cell).
func (m *Model) detectionLoss(out, y *graph.Node) *graph.Node {
	dt := out.DType()
	b, cells, k := out.Shape().Dimensions[0], m.grid*m.grid, m.cellOutputs()
	o := graph.Reshape(out, b, cells, k)
	t := graph.Reshape(graph.ConvertDType(y, dt), b, cells, data.DetectionCell)
	z := graph.Slice(o, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(0, 1))
	obj := graph.Slice(t, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(0, 1))
	// max(z,0) − z·t + log(1 + e^−|z|): binary cross-entropy with logits.
	bce := graph.Add(graph.Sub(graph.Max(z, graph.ZerosLike(z)), graph.Mul(z, obj)), graph.Log1p(graph.Exp(graph.Neg(graph.Abs(z)))))
	logits := graph.Slice(o, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(1, 1+m.classes))
	class := graph.ConvertDType(graph.Reshape(graph.Slice(t, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(1, 2)), b, cells), dtypes.Int32)
	ce := graph.Neg(graph.ReduceSum(graph.Mul(graph.LogSoftmax(logits, -1), graph.OneHot(class, m.classes, dt)), -1))
	box := graph.Sigmoid(graph.Slice(o, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(1+m.classes, k)))
	se := graph.ReduceSum(graph.Square(graph.Sub(box, m.cellBoxTargets(t))), -1)
	objFlat := graph.Reshape(obj, b, cells)
	perCell := graph.Add(graph.Reshape(bce, b, cells), graph.Mul(objFlat, graph.Add(ce, graph.MulScalar(se, 5))))
	return graph.DivScalar(graph.ReduceAllSum(perCell), float64(b))
}

// cellBoxTargets turns the targets' corners t[…, 2:6] (image fractions)
// into the head's box form per cell (gx, gy): the centre's offset within
// the cell, G·c − g, and the width and height.
func (m *Model) cellBoxTargets(t *graph.Node) *graph.Node {
	g := t.Graph()
	dt := t.DType()
	cells := m.grid * m.grid
	off := make([]float64, 0, 2*cells)
	for c := range cells {
		off = append(off, float64(c%m.grid), float64(c/m.grid)) // gx, gy
	}
	offsets := graph.Reshape(graph.ConvertDType(graph.Const(g, off), dt), 1, cells, 2)
	corner := func(i int) *graph.Node {
		return graph.Slice(t, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(2+i, 3+i))
	}
	x0, y0, x1, y1 := corner(0), corner(1), corner(2), corner(3)
	centre := graph.Concatenate([]*graph.Node{graph.Add(x0, x1), graph.Add(y0, y1)}, -1) // 2·(cx, cy)
	rel := graph.Sub(graph.MulScalar(centre, float64(m.grid)/2), offsets)
	return graph.Concatenate([]*graph.Node{rel, graph.Sub(x1, x0), graph.Sub(y1, y0)}, -1)
}

// detectionHint is the in-graph metric of the detector: the fraction of
// cells whose objectness is right (a logit > 0 where an object is centred).
// The split's mAP@0.5 replaces it in evaluations (ScoreDetections).
func (m *Model) detectionHint(out, y *graph.Node) *graph.Node {
	dt := out.DType()
	b, cells := out.Shape().Dimensions[0], m.grid*m.grid
	z := graph.Slice(graph.Reshape(out, b, cells, m.cellOutputs()), graph.AxisRange(), graph.AxisRange(), graph.AxisRange(0, 1))
	obj := graph.Slice(graph.Reshape(graph.ConvertDType(y, dt), b, cells, data.DetectionCell), graph.AxisRange(), graph.AxisRange(), graph.AxisRange(0, 1))
	pred := graph.ConvertDType(graph.GreaterThan(z, graph.ZerosLike(z)), dt)
	truth := graph.ConvertDType(graph.GreaterThan(obj, graph.ZerosLike(obj)), dt)
	return graph.OneMinus(graph.ReduceAllMean(graph.Abs(graph.Sub(pred, truth))))
}

// IsDetector reports whether m is a detector bound to detection data: its
// evaluations score whole splits by ScoreDetections.
func (m *Model) IsDetector() bool { return m.grid > 0 }

// MinDetectionScore is the lowest score a decoded detection keeps.
const MinDetectionScore = 0.01

// Detections decodes a detector's outputs (n examples, row-major as
// Forward returns them) into each image's detections: per cell, the class
// of largest probability, score σ(objectness)·that probability, the box
// centred at the cell's corner plus the sigmoid offset, of the sigmoid width
// and height. Cells scoring below MinDetectionScore are
// dropped; there is no non-maximum suppression (one box per cell).
func (m *Model) Detections(out []float64, n int) [][]detect.Detection {
	cells, k := m.grid*m.grid, m.cellOutputs()
	dets := make([][]detect.Detection, n)
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	for i := range n {
		for c := range cells {
			v := out[(i*cells+c)*k : (i*cells+c+1)*k]
			best, sum := 0, 0.0
			for j := 1; j <= m.classes; j++ {
				if v[j] > v[1+best] {
					best = j - 1
				}
			}
			for j := 1; j <= m.classes; j++ {
				sum += math.Exp(v[j] - v[1+best])
			}
			score := sig(v[0]) / sum
			if score < MinDetectionScore {
				continue
			}
			b := v[1+m.classes:]
			cx, cy := (float64(c%m.grid)+sig(b[0]))/float64(m.grid), (float64(c/m.grid)+sig(b[1]))/float64(m.grid)
			w, h := sig(b[2]), sig(b[3])
			dets[i] = append(dets[i], detect.Detection{Box: detect.Box{X0: cx - w/2, Y0: cy - h/2, X1: cx + w/2, Y1: cy + h/2}, Class: best, Score: score})
		}
	}
	return dets
}

// Truth decodes detection targets (n examples of data.DetectionCell values
// per cell) into each image's objects.
func (m *Model) Truth(y []float64, n int) [][]detect.Object {
	cells := m.grid * m.grid
	truth := make([][]detect.Object, n)
	for i := range n {
		for c := range cells {
			v := y[(i*cells+c)*data.DetectionCell : (i*cells+c+1)*data.DetectionCell]
			if v[0] > 0.5 {
				truth[i] = append(truth[i], detect.Object{Box: detect.Box{X0: v[2], Y0: v[3], X1: v[4], Y1: v[5]}, Class: int(v[1])})
			}
		}
	}
	return truth
}

// ScoreDetections returns mAP@0.5 of outputs out against targets y (n
// examples).
func (m *Model) ScoreDetections(out, y []float64, n int) float64 {
	return detect.MeanAP(m.Truth(y, n), m.Detections(out, n), m.classes, []float64{0.5})
}
