package train

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
)

// Data is one split uploaded to the backend once: whole (for steps on the
// training set) and in chunks (for evaluating large sets).
type Data struct {
	x, y   *tensors.Tensor
	chunks [][2]*tensors.Tensor
	sizes  []int
	n      int
}

// N is the number of examples.
func (d *Data) N() int { return d.n }

// Upload puts d on backend b in dtype dt, in chunks of at most chunk
// examples, plus whole when the split is trained on. A nil d gives nil.
func Upload(b compute.Backend, d *data.Dataset, dt dtypes.DType, chunk int, whole bool) (*Data, error) {
	if d == nil {
		return nil, nil
	}
	put := func(lo, hi int) ([2]*tensors.Tensor, error) {
		x, y := d.Tensors(dt, lo, hi)
		for _, t := range []*tensors.Tensor{x, y} {
			if err := t.MaterializeOnDevice(b, false, 0); err != nil {
				return [2]*tensors.Tensor{}, fmt.Errorf("uploading %s: %w", d.Name, err)
			}
		}
		return [2]*tensors.Tensor{x, y}, nil
	}
	dev := &Data{n: d.N}
	for lo := 0; lo < d.N; lo += chunk {
		hi := min(lo+chunk, d.N)
		c, err := put(lo, hi)
		if err != nil {
			return nil, err
		}
		dev.chunks = append(dev.chunks, c)
		dev.sizes = append(dev.sizes, hi-lo)
	}
	if whole {
		all := dev.chunks[0] // a single chunk is the whole split
		if len(dev.chunks) > 1 {
			var err error
			if all, err = put(0, d.N); err != nil {
				return nil, err
			}
		}
		dev.x, dev.y = all[0], all[1]
	}
	return dev, nil
}
