package main

import (
	"fmt"
	"time"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/lab"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
)

func main() {
	d := data.Localization{N: 2000}
	for _, m := range []models.Config{models.MLP{Hidden: []int{128}}, models.CNN{}} {
		for _, c := range []struct {
			o optim.Config
			b int
		}{{optim.GD{LR: 0.3}, 0}, {optim.GD{LR: 1}, 0}, {optim.GD{LR: 0.1}, 32}, {optim.Momentum{LR: 0.03}, 32}, {optim.RMSprop{LR: 0.001}, 32}, {optim.Adam{LR: 0.001}, 32}} {
			opts := []lab.Option{lab.Float32(), lab.LogEvery(50)}
			if c.b > 0 {
				opts = append(opts, lab.Batch(c.b), lab.BatchTrainLoss())
			}
			t0 := time.Now()
			res := lab.MustRun(d, m, c.o, lab.Epochs(20), opts...)
			fmt.Printf("%-20s %-14s batch %3d: steps %5d val IoU %.3f  %v\n", m, c.o, c.b, res.Steps, res.Last().ValMetric, time.Since(t0).Round(time.Millisecond))
		}
	}
}
