package backend_test

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/backend"
)

// Opening the embedded pure-Go backend and checking that it computes a
// matrix product and its gradient as the host does. backend.New() chooses
// from BGDLAB_BACKEND instead and never downloads a plugin.
func ExampleNewWithConfig() {
	b, err := backend.NewWithConfig("go")
	if err != nil {
		panic(err)
	}
	defer b.Finalize()
	fmt.Println(b.Name(), backend.Check(b))
	// Output:
	// Go Backend <nil>
}
