module example.com/rollouts-traffic-webhook/bench/load-go

go 1.24
