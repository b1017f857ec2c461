package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseResults(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []result
		wantErr string
	}{
		{name: "empty", in: "", want: nil},
		{
			name: "figures and reasons, blank lines skipped",
			in:   "before\tstarts/s bbolt 1 clients\t512.5\n\nafter\tstarts/s bbolt 1 clients\t 1203 \nbefore\tparked\tn/a: no parking\n",
			want: []result{
				{"before", "starts/s bbolt 1 clients", "512.5"},
				{"after", "starts/s bbolt 1 clients", "1203"},
				{"before", "parked", "n/a: no parking"},
			},
		},
		{name: "two fields", in: "before\tstarts/s\n", wantErr: "results line 1"},
		{name: "four fields", in: "a\tb\tc\n\nb\tm\t1\td\n", wantErr: "results line 3"},
		{name: "empty metric", in: "before\t\t1\n", wantErr: "results line 1"},
		{name: "empty build", in: "\tm\t1\n", wantErr: "results line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseResults(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatFigure(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{39, "39"},
		{200, "200"},
		{100000, "100,000"},
		{0.114, "0.11"},
		{4.005, "4.00"}, // binary 4.005 is just below
		{9.994, "9.99"},
		{9.999, "10.0"},
		{18.94, "18.9"},
		{99.94, "99.9"},
		{99.96, "100"},
		{100.4, "100"},
		{999.4, "999"},
		{999.7, "1,000"},
		{6391.2, "6,391"},
		{1234567.8, "1,234,568"},
		{-2500, "-2,500"},
		{-0.3, "-0.30"},
		{-3.5, "-3.50"},
	}
	for _, tt := range tests {
		if got := formatFigure(tt.in); got != tt.want {
			t.Errorf("formatFigure(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSideBySide(t *testing.T) {
	tests := []struct {
		name string
		in   []result
		want string
	}{
		{
			name: "ratios in first-seen order",
			in: []result{
				{"before", "starts/s bbolt 64", "173"},
				{"after", "starts/s bbolt 64", "1611"},
				{"after", "p99 ms bbolt 64", "166"},
				{"before", "p99 ms bbolt 64", "1141"},
			},
			want: "" +
				"metric             before  after  after/before\n" +
				"starts/s bbolt 64     173  1,611         9.31x\n" +
				"p99 ms bbolt 64     1,141    166         0.15x\n",
		},
		{
			name: "reasons become numbered notes, shared when equal",
			in: []result{
				{"before", "parked", "n/a: the build does not park"},
				{"after", "parked", "100000"},
				{"before", "parked rss MB", "n/a: the build does not park"},
				{"after", "parked rss MB", "110"},
				{"before", "burst after due s", "did not finish in 60 s (9500 of 10000 finished)"},
				{"after", "burst after due s", "0.03"},
			},
			want: "" +
				"metric             before    after  after/before\n" +
				"parked             n/a[1]  100,000             -\n" +
				"parked rss MB      n/a[1]      110             -\n" +
				"burst after due s  n/a[2]     0.03             -\n" +
				"[1] n/a: the build does not park\n" +
				"[2] did not finish in 60 s (9500 of 10000 finished)\n",
		},
		{
			name: "one side missing, zero before, other builds ignored",
			in: []result{
				{"after", "only after", "2"},
				{"before", "zero before", "0"},
				{"after", "zero before", "5"},
				{"other", "only other", "1"},
			},
			want: "" +
				"metric       before  after  after/before\n" +
				"only after      n/a      2             -\n" +
				"zero before       0      5             -\n",
		},
		{
			name: "no figures: the header alone",
			in:   nil,
			want: "metric  before  after  after/before\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sideBySide(tt.in, "before", "after", "before", "after"); got != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestSideBySide_headersWidenColumns(t *testing.T) {
	got := sideBySide([]result{{"b", "m", "1"}, {"a", "m", "3"}}, "b", "a", "before 97ca4c9", "after a5ab3d5")
	want := "" +
		"metric  before 97ca4c9  after a5ab3d5  after/before\n" +
		"m                    1              3         3.00x\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
