package data

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// generate builds, for a resolved c, y = Xw* + b* + noise·ε where the
// training features have zero mean and XᵀX/n has eigenvalues
// λᵢ = κ^(i/(d−1)), geometric between 1 and κ exactly: X = √n·Q·diag(√λ)·Vᵀ
// with Q orthonormal, centred columns and V a random rotation (the identity
// when Aligned). With the MSE loss and an intercept the Hessian is 2·blockdiag(XᵀX/n, 1), so L = 2κ, μ = 2 (returned in Info with
// w*, b*). Validation and test features are Gaussian with the same
// population covariance V·diag(λ)·Vᵀ.
func (c SyntheticLinear) generate() (Splits, error) {
	c.Noise, c.Val, c.Test = c.Noise+0, c.Val+0, c.Test+0 // spec.Zero → +0
	if err := checkValues("synthetic-linear", c.N, c.D); err != nil {
		return Splits{}, err
	}
	if c.Val < 0 || c.Test < 0 || c.Val+c.Test >= 1 {
		return Splits{}, fmt.Errorf("synthetic-linear: val=%v and test=%v must be ≥ 0 and sum to less than 1", c.Val, c.Test)
	}
	nVal, nTest := int(math.Round(c.Val*float64(c.N))), int(math.Round(c.Test*float64(c.N)))
	total := c.N
	c.N = total - nVal - nTest
	if c.D < 1 || c.N < c.D+1 {
		return Splits{}, fmt.Errorf("synthetic-linear: need d ≥ 1 and more training examples than features (got %d training examples of n=%d, d=%d)", c.N, total, c.D)
	}
	if !(c.Kappa >= 1) {
		return Splits{}, fmt.Errorf("synthetic-linear: kappa=%v must be ≥ 1", c.Kappa)
	}
	if !(c.Noise >= 0) {
		return Splits{}, fmt.Errorf("synthetic-linear: noise=%v must be ≥ 0", c.Noise)
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x11ea7))
	n, d := c.N, c.D
	q, err := centeredOrthonormal(rng, n, d)
	if err != nil {
		return Splits{}, err
	}
	v := randomRotation(rng, d)
	if c.Aligned {
		v = identity(d)
	}
	lam := make([]float64, d)
	scale := mat.NewDiagDense(d, nil)
	for i := range lam {
		if d == 1 {
			lam[i] = 1
		} else {
			lam[i] = math.Pow(c.Kappa, float64(i)/float64(d-1))
		}
		scale.SetDiag(i, math.Sqrt(float64(n)*lam[i]))
	}
	var tmp, x mat.Dense
	tmp.Mul(q, scale)
	x.Mul(&tmp, v.T())
	w := make([]float64, d)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	b := rng.NormFloat64()
	ds := &Dataset{Name: "synthetic-linear", Task: Regression, N: n, D: d, X: make([]float64, n*d), Shape: []int{d}, Y: make([]float64, n), T: 1}
	for i := 0; i < n; i++ {
		yi := b + c.Noise*rng.NormFloat64()
		for j := 0; j < d; j++ {
			xv := x.At(i, j)
			ds.X[i*d+j] = xv
			yi += xv * w[j]
		}
		ds.Y[i] = yi
	}
	info := map[string]float64{"kappa": c.Kappa, "lambda_min": 1, "lambda_max": lam[d-1], "L": 2 * lam[d-1], "mu": 2, "b_star": b, "noise": c.Noise}
	for i, wi := range w {
		info[fmt.Sprintf("w_star_%d", i)] = wi
	}
	out := Splits{Train: ds, Info: info}
	out.Val = linearHeldOut(rng, nVal, lam, v, w, b, c.Noise)
	out.Test = linearHeldOut(rng, nTest, lam, v, w, b, c.Noise) // drawn after Val, from the same rng
	return out, nil
}

// centeredOrthonormal returns the thin Q (n×d) of the QR factorization of
// an n×d standard-normal design with centred columns, drawn from rng column
// by column. (The full n×n Q would need 131 GB at n = 128 000.)
func centeredOrthonormal(rng *rand.Rand, n, d int) (*mat.Dense, error) {
	z := mat.NewDense(n, d, nil)
	for j := 0; j < d; j++ {
		var mean float64
		col := make([]float64, n)
		for i := range col {
			col[i] = rng.NormFloat64()
			mean += col[i]
		}
		mean /= float64(n)
		for i := range col {
			z.Set(i, j, col[i]-mean)
		}
	}
	var qr mat.QR
	qr.Factorize(z)
	var rFull, rInv, q mat.Dense
	qr.RTo(&rFull)
	if err := rInv.Inverse(rFull.Slice(0, d, 0, d)); err != nil {
		return nil, fmt.Errorf("synthetic-linear: random design is rank-deficient (n=%d, d=%d): %w", n, d, err)
	}
	q.Mul(z, &rInv)
	return &q, nil
}

// linearHeldOut draws n fresh examples (nil for none) from the population
// of the training design: x = V·(√λ ⊙ z), z standard normal, and
// y = b + x·w + noise·ε.
func linearHeldOut(rng *rand.Rand, n int, lam []float64, v *mat.Dense, w []float64, b, noise float64) *Dataset {
	if n == 0 {
		return nil
	}
	d := len(w)
	h := &Dataset{Name: "synthetic-linear", Task: Regression, N: n, D: d, X: make([]float64, n*d), Shape: []int{d}, Y: make([]float64, n), T: 1}
	z := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := range z {
			z[j] = math.Sqrt(lam[j]) * rng.NormFloat64()
		}
		yi := b + noise*rng.NormFloat64()
		for j := 0; j < d; j++ {
			var xv float64
			for k := 0; k < d; k++ {
				xv += v.At(j, k) * z[k]
			}
			h.X[i*d+j] = xv
			yi += xv * w[j]
		}
		h.Y[i] = yi
	}
	return h
}

func identity(d int) *mat.Dense {
	m := mat.NewDense(d, d, nil)
	for i := range d {
		m.Set(i, i, 1)
	}
	return m
}

func randomRotation(rng *rand.Rand, d int) *mat.Dense {
	m := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			m.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(m)
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

// ClassificationConfig configures Synthetic.
type ClassificationConfig struct {
	N, D       int
	Sep, Noise float64
	Turns      float64
	Seed       uint64
}

// Synthetic returns a binary classification set: "blobs" (two Gaussians with
// identity covariance, means ±sep/2 along the first axis, in D dimensions),
// "moons" (two interleaved half circles) or "spirals" (two interleaved
// spirals with the given number of turns), with Gaussian noise.
func Synthetic(kind string, c ClassificationConfig) (*Dataset, error) {
	if c.N < 4 {
		return nil, fmt.Errorf("%s: n=%d must be ≥ 4", kind, c.N)
	}
	if c.Noise < 0 {
		return nil, fmt.Errorf("%s: noise=%v must be ≥ 0", kind, c.Noise)
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0xb10b))
	d := 2
	if kind == "blobs" {
		if c.D < 1 {
			return nil, fmt.Errorf("blobs: d=%d must be ≥ 1", c.D)
		}
		d = c.D
	}
	if err := checkValues(kind, c.N, d); err != nil {
		return nil, err
	}
	ds := &Dataset{Name: kind, Task: Classification, N: c.N, D: d, X: make([]float64, c.N*d), Shape: []int{d},
		Labels: make([]int, c.N), Classes: 2, ClassNames: []string{"0", "1"}}
	for i := 0; i < c.N; i++ {
		label := i % 2
		ds.Labels[i] = label
		row := ds.X[i*d : (i+1)*d]
		switch kind {
		case "blobs":
			for j := range row {
				row[j] = rng.NormFloat64()
			}
			row[0] += c.Sep * (float64(label) - 0.5)
		case "moons":
			t := math.Pi * rng.Float64()
			if label == 0 {
				row[0], row[1] = math.Cos(t), math.Sin(t)
			} else {
				row[0], row[1] = 1-math.Cos(t), 0.5-math.Sin(t)
			}
			row[0] += c.Noise * rng.NormFloat64()
			row[1] += c.Noise * rng.NormFloat64()
		case "spirals":
			t := rng.Float64()
			r := t
			angle := 2*math.Pi*c.Turns*t + math.Pi*float64(label)
			row[0] = r*math.Cos(angle) + c.Noise*rng.NormFloat64()*0.5
			row[1] = r*math.Sin(angle) + c.Noise*rng.NormFloat64()*0.5
		default:
			return nil, fmt.Errorf("unknown synthetic classification set %q (blobs, moons, spirals)", kind)
		}
	}
	return ds, nil
}

// LocalizationImages returns a toy object-localization set: size×size grey images
// with one filled shape (a square or a disc) at a random position and scale on
// a noisy background; the target is its bounding box (x0, y0, x1, y1) in
// [0, 1] image coordinates — the "detection" use case in miniature.
func LocalizationImages(n, size int, noise float64, seed uint64) (*Dataset, error) {
	if n < 1 || size < 8 {
		return nil, fmt.Errorf("localization: need n ≥ 1 and size ≥ 8 (got n=%d, size=%d)", n, size)
	}
	if err := checkValues("localization", n, size*size); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x10c))
	d := &Dataset{Name: "localization", Task: Regression, Boxes: true, N: n, D: size * size, Shape: []int{size, size, 1},
		X: make([]float64, n*size*size), Y: make([]float64, n*4), T: 4}
	for i := 0; i < n; i++ {
		w := 0.2 + 0.4*rng.Float64() // side as a fraction of the image
		x0 := rng.Float64() * (1 - w)
		y0 := rng.Float64() * (1 - w)
		disc := rng.IntN(2) == 1
		img := d.X[i*size*size : (i+1)*size*size]
		for r := 0; r < size; r++ {
			for c := 0; c < size; c++ {
				px, py := (float64(c)+0.5)/float64(size), (float64(r)+0.5)/float64(size)
				in := px >= x0 && px <= x0+w && py >= y0 && py <= y0+w
				if disc {
					cx, cy := x0+w/2, y0+w/2
					in = (px-cx)*(px-cx)+(py-cy)*(py-cy) <= w*w/4
				}
				v := noise * rng.NormFloat64()
				if in {
					v += 1
				}
				img[r*size+c] = v
			}
		}
		copy(d.Y[i*4:], []float64{x0, y0, x0 + w, y0 + w})
	}
	return d, nil
}

// MaxValues bounds the feature values a generated dataset may hold
// (n × features): 2³⁰, 8 GiB in float64. Generators refuse larger requests
// before allocating anything.
const MaxValues = 1 << 30

// checkValues refuses n × features over MaxValues, computed in float64 so
// that huge n or d cannot overflow.
func checkValues(kind string, n, features int) error {
	if v := float64(n) * float64(features); v > MaxValues {
		return fmt.Errorf("%s: n × features = %.3g values would need %.3g GB; the limit is %d values (8 GiB in float64): use a smaller n or d", kind, v, v*8/1e9, MaxValues)
	}
	return nil
}
