package lab

import (
	"encoding/base64"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/dom"
	"github.com/janpfeifer/gonb/gonbui/widgets"
	"gonum.org/v1/plot"
)

// HeadlessEnv, set to 1, tells Explore that no one can move a slider:
// every headless execution bgdlab runs (tests, report, nbgrader) sets it.
const HeadlessEnv = "BGDLAB_HEADLESS"

// Slider is one control of Explore: a value in [Min, Max], starting at Value.
type Slider struct {
	// Name labels the slider and the printed values.
	Name string
	// Min < Max bound the value; Value is where it starts.
	Min, Max, Value float64
	// Step, when > 0, rounds the value to Min plus a multiple of Step (κ:
	// Step 1), so that the label and a figure's title print the same number.
	Step float64
}

// idleTimeout ends a live Explore nobody touches: the cells below it wait
// for it under Run All.
const idleTimeout = 3 * time.Minute

// sliderTicks is the slider's resolution: GoNB sliders are integers.
const sliderTicks = 100

func (s Slider) at(tick int) float64 {
	v := s.Min + (s.Max-s.Min)*float64(tick)/sliderTicks
	if s.Step > 0 {
		v = min(s.Min+math.Round((v-s.Min)/s.Step)*s.Step, s.Max)
	}
	return v
}
func (s Slider) tick() int {
	return int((s.Value - s.Min) / (s.Max - s.Min) * sliderTicks)
}

// Explore shows draw at the sliders' values. In a live notebook it adds one
// slider per Slider and a Done button, and redraws as the sliders move until
// Done is pressed (or three idle minutes pass: the cells below wait for it,
// and it says so); the last figure stays in the
// notebook (saved as name_live.png). Headless — $BGDLAB_HEADLESS=1, not in
// a notebook, or no answer from a front-end within ten seconds — it shows
// draw at each point of grid instead, saved as name_1.png, name_2.png, …,
// and never waits for input. It panics on a slider with Max ≤ Min.
func Explore(name string, draw func(values []float64) *plot.Plot, grid [][]float64, sliders ...Slider) {
	for _, s := range sliders {
		if !(s.Max > s.Min) {
			panic(fmt.Sprintf("lab.Explore: slider %q has Max %g ≤ Min %g", s.Name, s.Max, s.Min))
		}
	}
	if Interactive() && explore(name, draw, sliders) {
		return
	}
	for i, v := range grid {
		fmt.Printf("%s (fixed grid, %d of %d): %s\n", name, i+1, len(grid), describe(sliders, v))
		Show(draw(v), fmt.Sprintf("%s_%d.png", name, i+1))
	}
}

// Interactive reports whether a person may be at the notebook: in a GoNB
// kernel and not marked headless.
func Interactive() bool { return gonbui.IsNotebook && os.Getenv(HeadlessEnv) != "1" }

func describe(sliders []Slider, v []float64) string {
	parts := make([]string, len(v))
	for i := range v {
		n := fmt.Sprintf("x%d", i)
		if i < len(sliders) {
			n = sliders[i].Name
		}
		parts[i] = fmt.Sprintf("%s = %.4g", n, v[i])
	}
	return strings.Join(parts, ", ")
}

// explore runs the live widgets; false when the front-end never answered.
func explore(name string, draw func([]float64) *plot.Plot, sliders []Slider) bool {
	div := dom.CreateTransientDiv()
	built := make([]*widgets.SliderBuilder, len(sliders))
	values := make([]float64, len(sliders))
	for i, s := range sliders {
		dom.Append(div, fmt.Sprintf(`<span style="font-family: monospace">&nbsp;%s&nbsp;</span>`, s.Name))
		ready := make(chan *widgets.SliderBuilder, 1)
		go func() { ready <- widgets.Slider(0, sliderTicks, s.tick()).AppendTo(div).Done() }()
		select {
		case built[i] = <-ready:
		case <-time.After(10 * time.Second):
			dom.SetInnerHtml(div, "") // no front-end: fall back to the fixed grid
			return false
		}
		values[i] = s.Value
	}
	label := "bgdlab_explore_" + gonbui.UniqueId()
	dom.Append(div, fmt.Sprintf(`<span id="%s" style="font-family: monospace"></span>`, label))
	done := widgets.Button("Done").AppendTo(div).Done().Listen()
	dom.Append(div, fmt.Sprintf(`<div style="font-size: smaller">Move the sliders, then press <b>Done</b> to continue: the cells below wait for it (under Run All too); after %d idle minutes it ends by itself.</div>`, int(idleTimeout.Minutes())))
	img := "bgdlab_plot_" + gonbui.UniqueId()
	redraw := func() {
		dom.SetInnerText(label, " "+describe(sliders, values))
		if png, err := plots.PNG(draw(values)); err == nil {
			gonbui.UpdateHtml(img, `<img src="data:image/png;base64,`+base64.StdEncoding.EncodeToString(png)+`"/>`)
		}
	}
	redraw()
	type move struct{ slider, tick int }
	moves := make(chan move, 16)
	for i, b := range built {
		ch := b.Listen().LatestOnly()
		go func() {
			for tick := range ch.C {
				moves <- move{i, tick}
			}
		}()
	}
	for live := true; live; {
		select {
		case m := <-moves:
			values[m.slider] = sliders[m.slider].at(m.tick)
			redraw()
		case <-done.C:
			live = false
		case <-time.After(idleTimeout):
			live = false
		}
	}
	gonbui.UpdateHtml(img, "")
	dom.Persist(div)
	Show(draw(values), name+"_live.png")
	return true
}
