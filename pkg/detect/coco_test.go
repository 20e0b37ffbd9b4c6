package detect

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/bgdlab/bgdlab/internal/testenv"
)

// TestMeanAPMatchesPycocotools scores random scenes — up to four objects
// of three classes per image; detections jittered, some of the wrong class,
// some duplicated, some spurious, a few with tied scores — with MeanAP and
// with pycocotools' COCOeval (.tools/testpy, installed by scripts/setup
// with BGDLAB_TEST_TOOLS=1) and requires mAP@0.5 and mAP@[0.5:0.95] to
// agree to 1e-12. Coordinates are multiples of 1/64, so both compute the
// same IoUs exactly.
func TestMeanAPMatchesPycocotools(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	python := filepath.Join(root, ".tools", "testpy", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		testenv.Missing(t, "pycocotools (.tools/testpy)", "BGDLAB_TEST_TOOLS=1 scripts/setup (scripts/test runs it)")
	}
	for seed := uint64(1); seed <= 4; seed++ {
		truth, dets := randomScenes(seed, 40)
		dir := t.TempDir()
		gtPath, dtPath := filepath.Join(dir, "gt.json"), filepath.Join(dir, "dt.json")
		writeCOCO(t, gtPath, dtPath, truth, dets)
		out, err := exec.Command(python, filepath.Join(root, "scripts", "python", "cocoeval.py"), gtPath, dtPath).CombinedOutput()
		if err != nil {
			t.Fatalf("pycocotools: %v\n%s", err, out)
		}
		var ref struct{ Map, Map50 float64 }
		if err := json.Unmarshal(out, &ref); err != nil {
			t.Fatalf("pycocotools printed %q: %v", out, err)
		}
		got, got50 := MeanAP(truth, dets, 3, COCOThresholds), MeanAP(truth, dets, 3, []float64{0.5})
		t.Logf("seed %d: mAP@[.5:.95] %.6f (pycocotools %.6f), mAP@.5 %.6f (%.6f)", seed, got, ref.Map, got50, ref.Map50)
		if math.Abs(got-ref.Map) > 1e-12 || math.Abs(got50-ref.Map50) > 1e-12 {
			t.Errorf("seed %d: MeanAP %.15f / %.15f, pycocotools %.15f / %.15f", seed, got, got50, ref.Map, ref.Map50)
		}
	}
}

// randomScenes returns n images of ground truth and detections.
func randomScenes(seed uint64, n int) ([][]Object, [][]Detection) {
	rng := rand.New(rand.NewPCG(seed, 99))
	q := func(x float64) float64 { return math.Round(x*64) / 64 }
	truth := make([][]Object, n)
	dets := make([][]Detection, n)
	score := func() float64 { return q(rng.Float64()) } // on a grid: ties happen
	for i := range truth {
		for range rng.IntN(5) {
			x, y, w, h := q(rng.Float64()*48), q(rng.Float64()*48), q(4+rng.Float64()*12), q(4+rng.Float64()*12)
			o := Object{Box{x, y, x + w, y + h}, rng.IntN(3)}
			truth[i] = append(truth[i], o)
			for range rng.IntN(3) { // 0–2 detections of it (duplicates)
				j := func() float64 { return q((rng.Float64() - 0.5) * w * 0.25) }
				c := o.Class
				if rng.IntN(5) == 0 {
					c = rng.IntN(3)
				}
				dx, dy := j(), j()
				dets[i] = append(dets[i], Detection{Box{x + dx, y + dy, x + dx + w + j(), y + dy + h + j()}, c, score()})
			}
		}
		for range rng.IntN(2) { // spurious
			x, y := q(rng.Float64()*48), q(rng.Float64()*48)
			dets[i] = append(dets[i], Detection{Box{x, y, x + 8, y + 8}, rng.IntN(3), score()})
		}
	}
	return truth, dets
}

// writeCOCO writes truth as a COCO ground-truth file and dets as a COCO
// results list (categories 1–3 for classes 0–2, bbox [x, y, w, h]).
func writeCOCO(t *testing.T, gtPath, dtPath string, truth [][]Object, dets [][]Detection) {
	t.Helper()
	type ann struct {
		ID       int        `json:"id"`
		ImageID  int        `json:"image_id"`
		Category int        `json:"category_id"`
		BBox     [4]float64 `json:"bbox"`
		Area     float64    `json:"area"`
		IsCrowd  int        `json:"iscrowd"`
	}
	type res struct {
		ImageID  int        `json:"image_id"`
		Category int        `json:"category_id"`
		BBox     [4]float64 `json:"bbox"`
		Score    float64    `json:"score"`
	}
	xywh := func(b Box) [4]float64 { return [4]float64{b.X0, b.Y0, b.X1 - b.X0, b.Y1 - b.Y0} }
	gt := map[string]any{"categories": []map[string]int{{"id": 1}, {"id": 2}, {"id": 3}}}
	var images []map[string]int
	var anns []ann
	var rs []res
	for i := range truth {
		images = append(images, map[string]int{"id": i})
		for _, o := range truth[i] {
			anns = append(anns, ann{len(anns) + 1, i, o.Class + 1, xywh(o.Box), o.Box.Area(), 0})
		}
		for _, d := range dets[i] {
			rs = append(rs, res{i, d.Class + 1, xywh(d.Box), d.Score})
		}
	}
	gt["images"], gt["annotations"] = images, anns
	for path, v := range map[string]any{gtPath: gt, dtPath: rs} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
