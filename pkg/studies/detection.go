package studies

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
)

// detPlanFor returns the detection study's setting: the detection data set
// (1–4 squares, discs and triangles per 32×32 image) and the grid detector,
// the same methods as localization, tuned and reported by mAP@0.5.
func detPlanFor(full bool) locPlan {
	if full {
		return locPlan{task: "detection", metric: "mAP@0.5", data: data.Detection{N: 2000}, model: models.Detector{}, epochs: 10, seeds: ReportSeeds(),
			methods: detMethods([]float64{0.03, 0.1, 0.3}, []float64{0.01, 0.03, 0.1}, []float64{0.001, 0.003, 0.01}, []float64{3e-4, 1e-3, 3e-3}, []float64{1e-3, 3e-3, 1e-2})}
	}
	// The quick study's 600 images are 24×24 with a 3×3 grid: the same
	// 8-pixel cells and shapes as the full study's 32×32 and 4×4, at 0.56
	// of the pixels, so that the quick report fits its 4 minutes (a smoke
	// test of the section: its mAPs are low and noisy; the full study is the
	// measurement). Its initial grids sit around the rates the protocol
	// settled on in earlier quick runs (the protocol still extends past an
	// edge).
	return locPlan{task: "detection", metric: "mAP@0.5", data: data.Detection{N: 600, Size: 24, Grid: 3}, model: models.Detector{Width: 8}, epochs: 12, seeds: ReportSeeds(),
		methods: detMethods([]float64{0.03, 0.1, 0.3}, []float64{0.03, 0.1, 0.3}, []float64{0.003, 0.01, 0.03}, []float64{3e-3, 9e-3, 2.7e-2}, []float64{0.01, 0.0333, 0.111})}
}

// detMethods are the detection study's methods with their initial grids:
// full-batch GD, then SGD, momentum, RMSprop and Adam at batch 32.
func detMethods(bgd, sgd, mom, rms, adam []float64) []locMethod {
	return []locMethod{
		{"BGD (gd, full batch)", func(lr float64) optim.Config { return optim.GD{LR: lr} }, 0, bgd},
		{"SGD (gd, batch 32)", func(lr float64) optim.Config { return optim.GD{LR: lr} }, 32, sgd},
		{"momentum (batch 32)", func(lr float64) optim.Config { return optim.Momentum{LR: lr} }, 32, mom},
		{"RMSprop (batch 32)", func(lr float64) optim.Config { return optim.RMSprop{LR: lr} }, 32, rms},
		{"Adam (batch 32)", func(lr float64) optim.Config { return optim.Adam{LR: lr} }, 32, adam},
	}
}

// Detection compares the main optimizers on multi-object detection by test
// mAP@0.5, under the same protocol as localization.
func Detection(s *Env) (Study, error) {
	plan := detPlanFor(s.Full)
	sec := Study{Title: "9. Object detection: optimizers by mAP, under a tuning protocol",
		Intro: fmt.Sprintf("One to four squares, discs and triangles per image (%s), at most one centred in each 8×8-pixel cell of the grid; a one-stage, anchor-free grid detector (%s) predicts per cell an objectness, a class and a box, and is scored by mAP@0.5 as COCO computes it (pkg/detect, checked against pycocotools) on held-out images. %s",
			plan.data, plan.model, protocolText(plan))}
	return runBoxStudy(s, plan, sec)
}
