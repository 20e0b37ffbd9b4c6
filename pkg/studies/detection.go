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
	p := locPlan{task: "detection", metric: "mAP@0.5", data: data.Detection{N: 1000}, model: models.Detector{Width: 8}, epochs: 12, seeds: []uint64{1, 2, 3},
		methods: []locMethod{
			{"BGD (gd, full batch)", func(lr float64) optim.Config { return optim.GD{LR: lr} }, 0, []float64{0.03, 0.1, 0.3}},
			{"SGD (gd, batch 32)", func(lr float64) optim.Config { return optim.GD{LR: lr} }, 32, []float64{0.01, 0.03, 0.1}},
			{"momentum (batch 32)", func(lr float64) optim.Config { return optim.Momentum{LR: lr} }, 32, []float64{0.001, 0.003, 0.01}},
			{"RMSprop (batch 32)", func(lr float64) optim.Config { return optim.RMSprop{LR: lr} }, 32, []float64{3e-4, 1e-3, 3e-3}},
			{"Adam (batch 32)", func(lr float64) optim.Config { return optim.Adam{LR: lr} }, 32, []float64{1e-3, 3e-3, 1e-2}},
		}}
	if full {
		p.data, p.model, p.epochs = data.Detection{N: 2000}, models.Detector{}, 10
	}
	return p
}

// Detection compares the main optimizers on multi-object detection by test
// mAP@0.5, under the same protocol as localization.
func Detection(s *Env) (Study, error) {
	plan := detPlanFor(s.Full)
	sec := Study{Title: "9. Object detection: optimizers by mAP, under a tuning protocol",
		Intro: fmt.Sprintf("One to four squares, discs and triangles per 32×32 image (%s), at most one centred in each cell of a 4×4 grid; a one-stage, anchor-free grid detector (%s) predicts per cell an objectness, a class and a box, and is scored by mAP@0.5 as COCO computes it (pkg/detect, checked against pycocotools) on held-out images. %s",
			plan.data, plan.model, protocolText(plan))}
	return runBoxStudy(s, plan, sec)
}
