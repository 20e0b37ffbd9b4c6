// Package detect scores object detectors: boxes, intersection over union,
// and the COCO average precision — AP at one IoU threshold, mAP@0.5 and
// mAP@[0.5:0.95] — computed as pycocotools' COCOeval computes them (greedy
// matching of detections in score order to the unmatched ground truth of
// highest IoU; precision made monotone; 101 recall points; classes without
// ground truth left out of the mean). Its tests check hand-computed cases
// and, where the project's test tools are installed, pycocotools itself on
// the same detections.
package detect

import (
	"math"
	"sort"
)

// Box is an axis-aligned box with corners (X0, Y0) ≤ (X1, Y1).
type Box struct{ X0, Y0, X1, Y1 float64 }

// Area returns the box's area (0 for an empty or inverted box).
func (b Box) Area() float64 { return math.Max(b.X1-b.X0, 0) * math.Max(b.Y1-b.Y0, 0) }

// IoU returns the intersection over union of a and b (0 when both are empty).
func IoU(a, b Box) float64 {
	inter := Box{math.Max(a.X0, b.X0), math.Max(a.Y0, b.Y0), math.Min(a.X1, b.X1), math.Min(a.Y1, b.Y1)}.Area()
	union := a.Area() + b.Area() - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

// Object is a ground-truth object of an image.
type Object struct {
	Box   Box
	Class int
}

// Detection is a detector's claim of an object, with its confidence.
type Detection struct {
	Box   Box
	Class int
	Score float64
}

// COCOThresholds are the IoU thresholds of mAP@[0.5:0.95]: 0.50, 0.55, …, 0.95.
var COCOThresholds = []float64{0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95}

// MaxDetections is how many detections per image and class count, highest
// scores first (COCOeval's maxDets for its headline AP).
const MaxDetections = 100

// AveragePrecision returns the AP of one class at one IoU threshold over a
// set of images (truth[i] and dets[i] belong to image i), and false when the
// class has no ground truth in any image.
func AveragePrecision(truth [][]Object, dets [][]Detection, class int, threshold float64) (float64, bool) {
	type scored struct {
		score float64
		tp    bool
	}
	var all []scored
	positives := 0
	for i := range truth {
		var gts []Box
		for _, o := range truth[i] {
			if o.Class == class {
				gts = append(gts, o.Box)
			}
		}
		positives += len(gts)
		var ds []Detection
		if i < len(dets) {
			for _, d := range dets[i] {
				if d.Class == class {
					ds = append(ds, d)
				}
			}
		}
		sort.SliceStable(ds, func(a, b int) bool { return ds[a].Score > ds[b].Score })
		if len(ds) > MaxDetections {
			ds = ds[:MaxDetections]
		}
		matched := make([]bool, len(gts))
		for _, d := range ds {
			best, m := math.Min(threshold, 1-1e-10), -1
			for j, g := range gts {
				if matched[j] {
					continue
				}
				if iou := IoU(d.Box, g); iou >= best {
					best, m = iou, j
				}
			}
			if m >= 0 {
				matched[m] = true
			}
			all = append(all, scored{d.Score, m >= 0})
		}
	}
	if positives == 0 {
		return 0, false
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].score > all[b].score })
	recall := make([]float64, len(all))
	precision := make([]float64, len(all))
	tp, fp := 0, 0
	for k, s := range all {
		if s.tp {
			tp++
		} else {
			fp++
		}
		recall[k] = float64(tp) / float64(positives)
		precision[k] = float64(tp) / float64(tp+fp)
	}
	for k := len(precision) - 1; k > 0; k-- { // monotone from the right
		precision[k-1] = math.Max(precision[k-1], precision[k])
	}
	var sum float64
	for r := 0; r <= 100; r++ {
		// The first point whose recall reaches the r-th of COCOeval's
		// np.linspace(0, 1, 101) — r·0.01, the last exactly 1 — as numpy's
		// searchsorted (side left) finds it.
		target := float64(r) * 0.01
		if r == 100 {
			target = 1
		}
		k := sort.SearchFloat64s(recall, target)
		if k < len(precision) {
			sum += precision[k]
		}
	}
	return sum / 101, true
}

// MeanAP returns the mean over classes 0…classes−1 with ground truth of the
// AP at each threshold, averaged over thresholds: MeanAP(…, []float64{0.5})
// is mAP@0.5, MeanAP(…, COCOThresholds) mAP@[0.5:0.95]. It returns NaN when
// no class has ground truth.
func MeanAP(truth [][]Object, dets [][]Detection, classes int, thresholds []float64) float64 {
	var sum float64
	n := 0
	for _, t := range thresholds {
		for c := range classes {
			if ap, ok := AveragePrecision(truth, dets, c, t); ok {
				sum += ap
				n++
			}
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}
