// Command load-go sends AdmissionReviews at a constant rate (open loop, like wrk2) over HTTPS
// keep-alive and prints latency percentiles as JSON. Latency is measured from the moment a
// request was due, not from when a connection became free, so a stalled server is charged for
// every request it delayed (coordinated-omission correction). How late the generator itself
// put each request on the queue is reported beside it (late_*_ms): that share of the latency
// is the generator's, not the server's.
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
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
	LateP50Ms    float64 `json:"late_p50_ms"`
	LateP99Ms    float64 `json:"late_p99_ms"`
	LateMaxMs    float64 `json:"late_max_ms"`
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
	// The dispatcher sleeps in nanosleep on a thread of its own and keeps its P while it does
	// (the runtime takes a P back from a thread in a system call only when its monitor next
	// looks). Pinned to one core (taskset), Go starts with one P, and the workers would wait
	// for it; a second P keeps them running. Both threads still share the one core.
	runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0)))

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

	interval := time.Duration(float64(time.Second) / *rate)
	total := int((duration.Seconds() + warmup.Seconds()) * *rate)
	lateness := dispatch(jobs, time.Now(), interval, total, measureFrom)
	measured := len(lateness)
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
	sort.Slice(lateness, func(i, j int) bool { return lateness[i] < lateness[j] })
	if len(lateness) > 0 {
		out.LateP50Ms, out.LateP99Ms = pct(lateness, 0.50), pct(lateness, 0.99)
		out.LateMaxMs = ms(lateness[len(lateness)-1])
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

// dispatch queues request i at start + i*interval, whether or not earlier ones came back, then
// closes the queue. It returns how late each measured request was queued.
//
// It sleeps with nanosleep on a locked thread, not time.Sleep: on Linux the runtime's network
// poller waits in whole milliseconds (runtime/netpoll_epoll.go rounds a shorter wait up to
// 1 ms), so at 2,000/s time.Sleep queued requests up to a millisecond late, 0.2-0.4 ms at the
// median, and that lateness counted as the server's latency. nanosleep wakes within about
// 0.1 ms (docs/benchmarks.md, thirteenth pass).
func dispatch(jobs chan<- time.Time, start time.Time, interval time.Duration, total int, measureFrom time.Time) []time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(jobs)
	lateness := make([]time.Duration, 0, total)
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(i) * interval)
		sleepUntil(due)
		if !due.Before(measureFrom) {
			lateness = append(lateness, time.Since(due))
		}
		jobs <- due
	}
	return lateness
}

func sleepUntil(t time.Time) {
	for wait := time.Until(t); wait > 0; wait = time.Until(t) {
		ts := syscall.NsecToTimespec(wait.Nanoseconds())
		// EINTR (a signal to this thread) leaves time to sleep: the loop sleeps it.
		_ = syscall.Nanosleep(&ts, nil)
	}
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
