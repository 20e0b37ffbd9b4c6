// Package data holds the datasets bgdlab compares optimizers on, from the
// five-point textbook example to Fashion-MNIST.
package data

// TextbookPoints returns the five-point example found in many introductions to
// gradient descent: x = 1..5 and y = 2x, so the least-squares line is
// y = 0 + 2x exactly.
func TextbookPoints() (x, y []float64) {
	return []float64{1, 2, 3, 4, 5}, []float64{2, 4, 6, 8, 10}
}
