package lab

import (
	"math"
	"testing"
)

// TestSliderStep checks that a slider with a Step takes only values Min +
// k·Step within [Min, Max] (so a label "κ = 51" and a title printed with
// %.0f agree; without a Step, tick 50 of κ ∈ [1, 100] was 50.5 and the
// title said 50), and that a slider without one is unchanged.
func TestSliderStep(t *testing.T) {
	cases := []struct {
		s    Slider
		tick int
		want float64
	}{
		{Slider{Min: 1, Max: 100, Step: 1}, 50, 51},
		{Slider{Min: 1, Max: 100, Step: 1}, 0, 1},
		{Slider{Min: 1, Max: 100, Step: 1}, sliderTicks, 100},
		{Slider{Min: 1, Max: 100}, 50, 50.5},
		{Slider{Min: 0, Max: 1, Step: 0.3}, sliderTicks, 0.9},
	}
	for _, c := range cases {
		if got := c.s.at(c.tick); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%+v at tick %d = %v, want %v", c.s, c.tick, got, c.want)
		}
	}
	k := Slider{Name: "κ", Min: 1, Max: 100, Step: 1}
	for tick := 0; tick <= sliderTicks; tick++ {
		v := k.at(tick)
		if v != math.Round(v) || v < k.Min || v > k.Max {
			t.Fatalf("tick %d gave κ = %v: not an integer in [1, 100]", tick, v)
		}
	}
}
