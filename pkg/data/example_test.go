package data_test

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/data"
)

// Datasets are named with the spec grammar shared by the CLI and sweeps.
// synthetic-linear builds a training set whose feature covariance has an
// exact condition number, so the curvature of the loss is known.
func ExampleLoad() {
	sp, err := data.Load("synthetic-linear:n=500,d=4,kappa=100,val=0.2,test=0.2")
	if err != nil {
		panic(err)
	}
	fmt.Println(sp.Train.N, sp.Val.N, sp.Test.N, sp.Train.D)
	fmt.Printf("κ = %g, L = %g, μ = %g\n", sp.Info["kappa"], sp.Info["L"], sp.Info["mu"])
	_, err = data.Load("fashion-mnist:dir=/nonexistent")
	fmt.Println(err != nil)
	// Output:
	// 300 100 100 4
	// κ = 100, L = 200, μ = 2
	// true
}

// A Batcher yields each step's example indices: nil for the full batch (BGD),
// a seeded permutation cut into batches otherwise.
func ExampleBatcher() {
	r, _ := data.ParseRegime("mini:size=4")
	b, _ := data.NewBatcher(r, 10, 1)
	for step := 0; step < 3; step++ {
		fmt.Println(len(b.Next()), b.Epochs())
	}
	full, _ := data.ParseRegime("full")
	fb, _ := data.NewBatcher(full, 10, 1)
	fmt.Println(fb.Next() == nil, fb.Epochs())
	// Output:
	// 4 0.4
	// 4 0.8
	// 2 1
	// true 1
}
