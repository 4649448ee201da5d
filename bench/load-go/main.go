// Command load-go sends AdmissionReviews at a constant rate (open loop, like wrk2) over HTTPS
// keep-alive and prints latency percentiles as JSON. Latency is measured from the moment a
// request was due, not from when a connection became free, so a stalled server is charged for
// every request it delayed (coordinated-omission correction).
//
// Usage: load-go -url https://127.0.0.1:8443/mutate -bodies reviews.jsonl -rate 2000 -duration 20s
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	URL          string  `json:"url"`
	Rate         float64 `json:"rate"`
	DurationS    float64 `json:"duration_s"`
	Connections  int     `json:"connections"`
	Sent         int     `json:"sent"`
	Completed    int     `json:"completed"`
	Errors       int64   `json:"errors"`
	Non2xx       int64   `json:"non_2xx"`
	Patched      int64   `json:"patched"`
	AchievedRate float64 `json:"achieved_rate"`
	P50Ms        float64 `json:"p50_ms"`
	P90Ms        float64 `json:"p90_ms"`
	P99Ms        float64 `json:"p99_ms"`
	P999Ms       float64 `json:"p999_ms"`
	MaxMs        float64 `json:"max_ms"`
}

func main() {
	url := flag.String("url", "", "endpoint to POST reviews to")
	bodiesFile := flag.String("bodies", "", "file with one AdmissionReview JSON per line")
	rate := flag.Float64("rate", 2000, "requests per second")
	duration := flag.Duration("duration", 20*time.Second, "measured duration")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured lead-in at the same rate")
	connections := flag.Int("connections", 16, "keep-alive connections")
	caFile := flag.String("ca", "", "CA certificate to verify the server with")
	flag.Parse()

	bodies := readBodies(*bodiesFile)
	client := newClient(*caFile, *connections)

	jobs := make(chan time.Time, int(*rate*(duration.Seconds()+warmup.Seconds()))+1)
	var errors, non2xx, patched atomic.Int64
	measureFrom := time.Now().Add(*warmup)
	latencies := make([][]time.Duration, *connections)
	var wg sync.WaitGroup
	var next atomic.Uint64
	for w := 0; w < *connections; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for due := range jobs {
				body := bodies[next.Add(1)%uint64(len(bodies))]
				status, answer, err := post(client, *url, body)
				done := time.Now()
				switch {
				case err != nil:
					errors.Add(1)
					continue
				case status < 200 || status > 299:
					non2xx.Add(1)
				case bytes.Contains(answer, []byte(`"patch"`)):
					patched.Add(1)
				}
				if !due.Before(measureFrom) {
					latencies[w] = append(latencies[w], done.Sub(due))
				}
			}
		}(w)
	}

	// The schedule: request i is due at start + i/rate, whether or not earlier ones came back.
	interval := time.Duration(float64(time.Second) / *rate)
	start := time.Now()
	total := int((duration.Seconds() + warmup.Seconds()) * *rate)
	measured := 0
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		if !due.Before(measureFrom) {
			measured++
		}
		jobs <- due
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(measureFrom)

	var all []time.Duration
	for _, l := range latencies {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	out := result{
		URL: *url, Rate: *rate, DurationS: duration.Seconds(), Connections: *connections,
		Sent: measured, Completed: len(all), Errors: errors.Load(), Non2xx: non2xx.Load(), Patched: patched.Load(),
		AchievedRate: float64(len(all)) / elapsed.Seconds(),
		P50Ms:        pct(all, 0.50), P90Ms: pct(all, 0.90), P99Ms: pct(all, 0.99), P999Ms: pct(all, 0.999),
	}
	if len(all) > 0 {
		out.MaxMs = ms(all[len(all)-1])
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

func readBodies(file string) [][]byte {
	f, err := os.Open(file)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	var bodies [][]byte
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 8<<20)
	for scanner.Scan() {
		if line := strings.TrimSpace(scanner.Text()); line != "" {
			bodies = append(bodies, []byte(line))
		}
	}
	if len(bodies) == 0 {
		log.Fatalf("%s holds no request bodies", file)
	}
	return bodies
}

func newClient(caFile string, connections int) *http.Client {
	config := &tls.Config{MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			log.Fatal(err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			log.Fatalf("%s holds no certificate", caFile)
		}
		config.RootCAs = pool
	} else {
		config.InsecureSkipVerify = true
	}
	transport := &http.Transport{
		TLSClientConfig:     config,
		MaxConnsPerHost:     connections,
		MaxIdleConnsPerHost: connections,
		IdleConnTimeout:     time.Minute,
		ForceAttemptHTTP2:   false,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	return &http.Client{Transport: transport, Timeout: 30 * time.Second}
}

func post(client *http.Client, url string, body []byte) (int, []byte, error) {
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	return resp.StatusCode, answer, err
}

func pct(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return ms(sorted[i])
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
