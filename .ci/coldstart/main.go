// Command coldstart measures the cold start of function bootstraps: the time from exec to the
// first answered request, on the Function Compute custom-runtime path (the bootstrap serves HTTP on
// FC_CUSTOM_LISTEN_PORT with the in-memory store), repeated -n times per binary. It prints the
// stripped size and the median and 90th percentile for each binary given:
//
//	go run ./.ci/coldstart -n 20 dist/lambda-amd64/bootstrap dist/fc-amd64/bootstrap
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"time"
)

func main() {
	n := flag.Int("n", 20, "starts per binary")
	flag.Parse()
	for _, bin := range flag.Args() {
		st, err := os.Stat(bin)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var ds []time.Duration
		for i := 0; i < *n; i++ {
			d, err := once(bin)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", bin, err)
				os.Exit(1)
			}
			ds = append(ds, d)
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		fmt.Printf("%-40s %6.1f MB  cold start median %6.1f ms  p90 %6.1f ms  (n=%d)\n", bin,
			float64(st.Size())/1e6, ms(ds[len(ds)/2]), ms(ds[len(ds)*9/10]), len(ds))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// once starts bin as an FC custom runtime and times exec → the first answer to ListFlows.
func once(bin string) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	cmd := exec.Command(bin)
	cmd.Env = []string{fmt.Sprintf("FC_CUSTOM_LISTEN_PORT=%d", port), "FC_FUNCTION_NAME=coldstart", "STORE=memory", "PATH=/usr/bin:/bin"}
	url := fmt.Sprintf("http://127.0.0.1:%d/?Action=ListFlows&Version=2019-03-15", port)
	client := &http.Client{Timeout: time.Second}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	for time.Since(start) < 10*time.Second {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("x-fc-control-path", "/http-invoke")
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			// A per-operation binary answers other Actions with 400 ActionNotSupported: that is
			// its first response as well.
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusBadRequest {
				return time.Since(start), nil
			}
			return 0, fmt.Errorf("ListFlows: HTTP %d", resp.StatusCode)
		}
		time.Sleep(200 * time.Microsecond)
	}
	return 0, fmt.Errorf("no answer within 10 s")
}
