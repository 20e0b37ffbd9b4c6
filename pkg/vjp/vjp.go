// Package vjp replaces some of GoMLX v0.28.3's reverse-mode rules
// (vector-Jacobian products): two with ones that are correct for every case
// bgdlab's tests try, two with faster ones. Each correctness replacement
// stays only while a test shows GoMLX's own rule failing
// (TestUpstreamDotGeneralRuleStillWrong, TestUpstreamConvRuleStillWrong);
// when one of those tests fails, upstream has fixed the rule and the
// replacement can go.
//
//   - DotGeneral: GoMLX's rule transposes the adjoint back assuming the other
//     operand's contracting axes are in increasing order. With two or more
//     contracting axes in another order (dims [3,2,4,5]·[5,4,2,6], axes
//     {3,1}·{0,2}) it builds a wrongly shaped adjoint or, when the shapes
//     happen to agree, wrong values. The rule here issues the same two matrix
//     products and orders the contracted axes by rank; a dense layer's weight
//     gradient is written so the pure-Go backend transposes one operand, not
//     two (dotGeneral).
//   - ConvGeneral: GoMLX's rule panics for asymmetric padding with strides
//     (2,1) and gives wrong adjoints for a 1-D valid convolution with stride
//     3. The rule here computes both adjoints as patch products (Gather,
//     DotGeneral, ScatterSum), checked against finite differences.
//   - Max and Min (speed: ReLU's gradient): the same masks as GoMLX's rule,
//     in three element-wise ops instead of seven (minMaxVJP).
//
// GoMLX v0.26.0 needed more (a Dot rule that broadcast to [N,K,M], Slice
// without Pad, convolution without Reverse); v0.28.2 fixed those, and the
// tests that decided it (TestSliceGradient,
// TestNoBroadcastInFullBatchMLPGradient) now check GoMLX's own rules.
//
// Importing this package (bgdlab's backend package does) installs the rules in
// graph.VJPRegistration, so graphs built with GoMLX layers (Dense, Einsum,
// Convolve) benefit as well.
package vjp

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
)

var (
	installOnce sync.Once
	// Original holds GoMLX's own rules for the node types replaced here, kept
	// for tests and comparisons.
	Original = map[graph.NodeType]graph.VJP{}
	// replacements are bgdlab's rules.
	replacements = map[graph.NodeType]graph.VJP{
		graph.NodeTypeDotGeneral:  single(dotGeneralVJP),
		graph.NodeTypeConvGeneral: single(convGeneralVJP),
		graph.NodeTypeMax:         single(minMaxVJP),
		graph.NodeTypeMin:         single(minMaxVJP),
	}
)

func init() { Install() }

// Install registers the replacement rules in graph.VJPRegistration. It is
// idempotent and called by this package's init.
func Install() {
	installOnce.Do(func() {
		for t, rule := range replacements {
			Original[t] = graph.VJPRegistration[t]
			graph.VJPRegistration[t] = rule
		}
	})
}

// UseOriginal switches back to GoMLX's own rules (useOriginal=true) or to the
// replacements (false). It is meant for tests and benchmarks that compare
// both; it must not be called while graphs are being built concurrently.
func UseOriginal(useOriginal bool) {
	Install()
	for t, rule := range replacements {
		if useOriginal {
			graph.VJPRegistration[t] = Original[t]
		} else {
			graph.VJPRegistration[t] = rule
		}
	}
}

func single(fn func(node, v *graph.Node) []*graph.Node) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, _ shapes.Shape) []*graph.Node {
		return fn(node, vjps[0])
	}
}

// inputsStruct returns the struct holding a node's parameters. GoMLX keeps
// them in unexported fields; reflection reads them without modifying
// anything.
func inputsStruct(node *graph.Node) reflect.Value {
	in := reflect.ValueOf(node).Elem().FieldByName("inputs")
	if !in.IsValid() || in.IsNil() {
		panic("vjp: graph.Node has no field inputs (GoMLX version mismatch; bgdlab pins v0.28.3)")
	}
	return in.Elem().Elem() // interface → *nodeInputsX → struct
}

// field returns the named parameter of a node, panicking with the GoMLX
// version hint when it is missing.
func field(node *graph.Node, name string) reflect.Value {
	f := inputsStruct(node).FieldByName(name)
	if !f.IsValid() {
		panic(fmt.Sprintf("vjp: %s inputs lack field %s (GoMLX version mismatch; bgdlab pins v0.28.3)", node.Type(), name))
	}
	return f
}

// intsField reads an []int parameter of a node.
func intsField(node *graph.Node, name string) []int {
	f := field(node, name)
	out := make([]int, f.Len())
	for i := range out {
		out[i] = int(f.Index(i).Int())
	}
	return out
}
