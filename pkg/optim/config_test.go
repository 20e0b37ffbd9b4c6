package optim_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/spec"
)

// randomConfig fills every field of method's configuration with a random
// in-range value (an exact zero now and then, where zero is allowed).
func randomConfig(t *testing.T, rng *rand.Rand, info optim.Info) optim.Config {
	v := reflect.New(reflect.TypeOf(info.New())).Elem()
	byName := map[string]optim.Param{}
	for _, p := range info.Params {
		byName[p.Name] = p
	}
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		for i := 0; i < v.NumField(); i++ {
			f, sf := v.Field(i), v.Type().Field(i)
			if sf.Anonymous {
				fill(f)
				continue
			}
			p := byName[sf.Tag.Get("spec")]
			lo, hi := math.Max(p.Min, -5), math.Min(p.Max, 5)
			x := lo + (hi-lo)*(0.01+0.98*rng.Float64())
			switch {
			case f.Kind() == reflect.Bool:
				f.SetBool(rng.IntN(2) == 1)
			case f.Kind() == reflect.Int:
				f.SetInt(int64(math.Max(p.Min, math.Round(x))))
			case p.Min == 0 && !p.MinOpen && rng.IntN(4) == 0 && p.Name != "momentum":
				f.SetFloat(spec.Zero)
			default:
				f.SetFloat(x)
			}
		}
	}
	fill(v)
	c := v.Interface().(optim.Config)
	if err := c.Validate(); err != nil {
		t.Fatalf("random %s configuration invalid: %v", info.Name, err)
	}
	return c
}

// Every registered method: String → Parse gives back the same resolved
// configuration, and New accepts it.
func TestStringParseRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, info := range optim.List() {
		if reflect.TypeOf(info.New()).String() == "" || info.New().Method() != info.Name {
			t.Fatalf("registry entry %s builds %T", info.Name, info.New())
		}
		for trial := 0; trial < 50; trial++ {
			c := randomConfig(t, rng, info)
			back, err := optim.Parse(c.String())
			if err != nil {
				t.Fatalf("%#v: Parse(%q): %v", c, c.String(), err)
			}
			if want := optim.WithDefaults(c); !reflect.DeepEqual(back, want) || back.String() != c.String() {
				t.Fatalf("round trip of %q:\n got %#v\nwant %#v", c.String(), back, want)
			}
			if _, err := optim.New(c); err != nil {
				t.Fatalf("New(%#v): %v", c, err)
			}
		}
		zero := info.New()
		if zero.String() != info.Name {
			t.Errorf("zero %s prints %q, want the bare name", info.Name, zero.String())
		}
	}
}

// Each configuration has exactly the keys its registry entry documents.
func TestConfigFieldsMatchRegistry(t *testing.T) {
	for _, info := range optim.List() {
		var keys []string
		var walk func(reflect.Type)
		walk = func(tp reflect.Type) {
			for i := 0; i < tp.NumField(); i++ {
				if f := tp.Field(i); f.Anonymous {
					walk(f.Type)
				} else {
					keys = append(keys, f.Tag.Get("spec"))
				}
			}
		}
		walk(reflect.TypeOf(info.New()))
		var want []string
		for _, p := range info.Params {
			want = append(want, p.Name)
		}
		if strings.Join(keys, ",") != strings.Join(want, ",") {
			t.Errorf("%s: fields %v, registry %v", info.Name, keys, want)
		}
	}
}

// Zero fields mean the default, Zero an exact zero, and bad fields are named.
func TestTypedDefaultsAndErrors(t *testing.T) {
	if got := optim.MustNew(optim.Adam{}).Param("beta1"); got != 0.9 {
		t.Errorf("Adam{} β₁ = %v, want the default 0.9", got)
	}
	o := optim.MustNew(optim.Adam{Beta1: spec.Zero})
	if got := o.Param("beta1"); got != 0 || math.Signbit(got) {
		t.Errorf("Adam{Beta1: Zero} β₁ = %v, want +0", got)
	}
	if o.String() != "adam:beta1=0" {
		t.Errorf("String = %q", o.String())
	}
	cases := []struct {
		c    optim.Config
		want string
	}{
		{optim.GD{LR: -1}, "lr=-1 is outside its valid range (0, ∞) (field GD.LR)"},
		{optim.Momentum{Momentum: 1}, "field Momentum.Momentum"},
		{optim.Nesterov{Momentum: spec.Zero}, "momentum=0 makes it plain gd"},
		{optim.Adam{Eps: math.NaN()}, "eps=NaN is not a finite number (field Adam.Eps)"},
		{optim.LBFGS{History: 5000}, "field LBFGS.History"},
		{optim.GD{Clip: optim.Clip{Norm: -1}}, "field GD.Clip.Norm"},
	}
	for _, tc := range cases {
		_, err := optim.New(tc.c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%#v) error %v, want it to contain %q", tc.c, err, tc.want)
		}
	}
	if _, err := optim.New(nil); err == nil {
		t.Error("New(nil) accepted")
	}
}
