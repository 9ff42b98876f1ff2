// Package hostinfo reads the figures of the machine and the process a replica runs on: CPU,
// memory, disk, load, OS and uptime through gopsutil, and the Go runtime's own statistics.
package hostinfo

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
)

// Snapshot is one reading.
type Snapshot struct {
	Host    Host      `json:"host"`
	CPU     CPU       `json:"cpu"`
	Memory  Memory    `json:"memory"`
	Disk    Disk      `json:"disk"`
	Runtime Runtime   `json:"runtime"`
	At      time.Time `json:"at"`
}

// Host names the machine.
type Host struct {
	Hostname      string `json:"hostname"`
	OS            string `json:"os"`
	Platform      string `json:"platform"`
	Kernel        string `json:"kernel"`
	UptimeSeconds uint64 `json:"uptime_seconds"`
}

// CPU is the processor load.
type CPU struct {
	Cores   int     `json:"cores"`
	Percent float64 `json:"percent"`
	Load1   float64 `json:"load1"`
	Load5   float64 `json:"load5"`
	Load15  float64 `json:"load15"`
	Model   string  `json:"model"`
}

// Memory is RAM use.
type Memory struct {
	Total       uint64  `json:"total"`
	Used        uint64  `json:"used"`
	Available   uint64  `json:"available"`
	UsedPercent float64 `json:"used_percent"`
}

// Disk is the data directory's file system.
type Disk struct {
	Path        string  `json:"path"`
	Total       uint64  `json:"total"`
	Used        uint64  `json:"used"`
	Free        uint64  `json:"free"`
	UsedPercent float64 `json:"used_percent"`
}

// Runtime is this process.
type Runtime struct {
	GoVersion     string  `json:"go_version"`
	PID           int     `json:"pid"`
	Goroutines    int     `json:"goroutines"`
	HeapAlloc     uint64  `json:"heap_alloc"`
	HeapSys       uint64  `json:"heap_sys"`
	RSS           uint64  `json:"rss"`
	NumGC         uint32  `json:"num_gc"`
	LastPauseMs   float64 `json:"last_gc_pause_ms"`
	PauseTotalMs  float64 `json:"gc_pause_total_ms"`
	UptimeSeconds float64 `json:"uptime_seconds"`
}

var started = time.Now()

// Read takes a snapshot; the CPU figure is sampled over sample.
func Read(ctx context.Context, diskPath string, sample time.Duration) Snapshot {
	s := Snapshot{At: time.Now().UTC()}
	if h, err := host.InfoWithContext(ctx); err == nil {
		s.Host = Host{Hostname: h.Hostname, OS: h.OS, Platform: h.Platform + " " + h.PlatformVersion, Kernel: h.KernelVersion, UptimeSeconds: h.Uptime}
	}
	s.CPU.Cores = runtime.NumCPU()
	if p, err := cpu.PercentWithContext(ctx, sample, false); err == nil && len(p) > 0 {
		s.CPU.Percent = p[0]
	}
	if infos, err := cpu.InfoWithContext(ctx); err == nil && len(infos) > 0 {
		s.CPU.Model = infos[0].ModelName
	}
	if l, err := load.AvgWithContext(ctx); err == nil {
		s.CPU.Load1, s.CPU.Load5, s.CPU.Load15 = l.Load1, l.Load5, l.Load15
	}
	if m, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		s.Memory = Memory{Total: m.Total, Used: m.Used, Available: m.Available, UsedPercent: m.UsedPercent}
	}
	if diskPath == "" {
		diskPath = "/"
	}
	if _, err := os.Stat(diskPath); err != nil {
		diskPath = "/"
	}
	if d, err := disk.UsageWithContext(ctx, diskPath); err == nil {
		s.Disk = Disk{Path: diskPath, Total: d.Total, Used: d.Used, Free: d.Free, UsedPercent: d.UsedPercent}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var gc debug.GCStats
	debug.ReadGCStats(&gc)
	s.Runtime = Runtime{GoVersion: runtime.Version(), PID: os.Getpid(), Goroutines: runtime.NumGoroutine(), HeapAlloc: ms.HeapAlloc,
		HeapSys: ms.HeapSys, RSS: ms.Sys, NumGC: ms.NumGC, PauseTotalMs: float64(gc.PauseTotal.Microseconds()) / 1000,
		UptimeSeconds: time.Since(started).Seconds()}
	if len(gc.Pause) > 0 {
		s.Runtime.LastPauseMs = float64(gc.Pause[0].Microseconds()) / 1000
	}
	return s
}
