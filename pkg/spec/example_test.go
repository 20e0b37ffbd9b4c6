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
