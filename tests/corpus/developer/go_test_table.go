// Go: table-driven tests for a token parser
package token

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		prefix  string
		wantErr error
	}{
		{name: "empty", in: "", wantErr: ErrEmpty},
		{name: "no prefix", in: "abcdef", wantErr: ErrPrefix},
		{name: "placeholder", in: "acme_<TOKEN>", wantErr: ErrCharset},
		{name: "too short", in: "acme_abc", wantErr: ErrLength},
		{name: "env reference", in: "$ACME_TOKEN", wantErr: ErrPrefix},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Parse(%q) error = %v, want %v", tc.in, err, tc.wantErr)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	in := "acme_" + string(make([]byte, 32))
	for i := 0; i < b.N; i++ {
		_, _ = Parse(in)
	}
}
