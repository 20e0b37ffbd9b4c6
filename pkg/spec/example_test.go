package spec_test

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/spec"
)

// Parse splits the CLI grammar name:key=value,... into a name and ordered
// keys; Float converts a value with an error naming the key.
func Example() {
	s, err := spec.Parse("adam:lr=1e-3,beta1=0.9")
	if err != nil {
		panic(err)
	}
	lr, _ := spec.Float("lr", s.Values["lr"])
	fmt.Println(s.Name, s.Keys, lr)
	_, err = spec.Float("lr", "fast")
	fmt.Println(err)
	_, err = spec.Parse("adam:lr")
	fmt.Println(err != nil)
	// Output:
	// adam [lr beta1] 0.001
	// lr="fast" is not a finite number
	// true
}

// Typed configurations map to specs through struct tags: zero fields mean
// the default, spec.Zero an explicit zero where the default is not zero.
func ExampleEncode() {
	type moons struct {
		N     int     `spec:"n" default:"1000"`
		Noise float64 `spec:"noise" default:"0.1"`
		Bias  bool    `spec:"bias,negated"`
	}
	fmt.Println(spec.Encode("moons", moons{}))
	fmt.Println(spec.Encode("moons", moons{N: 50, Noise: spec.Zero, Bias: true}))
	var back moons
	sp, _ := spec.Parse("moons:n=50,noise=0")
	if err := spec.Decode(sp, "dataset", &back); err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", spec.Resolved("moons", back))
	sp, _ = spec.Parse("moons:noise=loud")
	fmt.Println(spec.Decode(sp, "dataset", &back))
	// Output:
	// moons
	// moons:n=50,noise=0,bias=false
	// {N:50 Noise:-0 Bias:false}
	// dataset moons: noise="loud" is not a finite number
}
