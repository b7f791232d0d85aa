package diskguard

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/reefhq/reef/internal/claw"
)

// DefaultReserve is the reserve of a node whose host config sets none.
var DefaultReserve = Reserve{Percent: 5}

// Reserve is how much of the data volume the node keeps free for itself:
// a percentage of the volume's size ("5%") or an absolute size ("10Gi").
// The zero value reserves nothing.
type Reserve struct {
	Percent float64    // 0 to 50, when set
	Bytes   claw.Bytes // when Percent is 0
}

// ParseReserve reads "5%", "2.5%" or a quantity such as "10Gi".
func ParseReserve(s string) (Reserve, error) {
	if num, ok := strings.CutSuffix(s, "%"); ok {
		p, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || p < 0 || p > 50 {
			return Reserve{}, fmt.Errorf("invalid reserve %q: want a percentage from 0%% to 50%%, such as \"5%%\", or a size such as \"10Gi\"", s)
		}
		return Reserve{Percent: p}, nil
	}
	b, err := claw.ParseBytes(s)
	if err != nil {
		return Reserve{}, fmt.Errorf("invalid reserve %q: want a percentage such as \"5%%\" or a size such as \"10Gi\"", s)
	}
	return Reserve{Bytes: b}, nil
}

// Of returns the reserved bytes of a volume of total bytes.
func (r Reserve) Of(total uint64) uint64 {
	if r.Percent > 0 {
		return uint64(float64(total) * r.Percent / 100)
	}
	return uint64(r.Bytes)
}

// String writes the reserve as ParseReserve reads it: "5%" or "10Gi".
func (r Reserve) String() string {
	if r.Percent > 0 {
		return strconv.FormatFloat(r.Percent, 'f', -1, 64) + "%"
	}
	return r.Bytes.String()
}

// MarshalJSON writes the reserve as a string.
func (r Reserve) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// UnmarshalJSON reads a reserve string, or a plain number of bytes.
func (r *Reserve) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		var n json.Number
		if json.Unmarshal(data, &n) != nil {
			return claw.Errorf(claw.EINVALID, "reserve must be a string such as \"5%%\" or \"10Gi\"")
		}
		s = n.String()
	}
	v, err := ParseReserve(s)
	if err != nil {
		return claw.Errorf(claw.EINVALID, "%s", err.Error())
	}
	*r = v
	return nil
}
