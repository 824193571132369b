// Real-client test of the Cloud Tasks emulator with the official Go client,
// cloud.google.com/go/cloudtasks/apiv2 (Debian's golang-google-cloud-dev), over gRPC:
//
//	go-real-client 127.0.0.1:PORT
//
// Every expected value is a Cloud Tasks fact taken from shared/spec/cloud-tasks-v2.md
// (section numbers in the comments), not from the emulator's code. Prints one line per
// check, then "N passed, N failed"; exits 1 if any check failed. tests/realclient/go_test.sh
// builds it (GOPATH mode, offline) and runs it against a fresh emulator.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	cloudtasks "cloud.google.com/go/cloudtasks/apiv2"
	"github.com/golang/protobuf/ptypes"
	durpb "github.com/golang/protobuf/ptypes/duration"
	tspb "github.com/golang/protobuf/ptypes/timestamp"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
	taskspb "google.golang.org/genproto/googleapis/cloud/tasks/v2"
	"google.golang.org/genproto/protobuf/field_mask"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Exact messages of the real service (spec 4.2, 7.3).
const (
	msgQueueExists   = "Queue already exists"
	msgQueueNotFound = "Queue does not exist. " +
		"If you just created the queue, wait at least a minute for the queue to initialize."
	msgBadQueueName = "Queue name must be formatted: " +
		`"projects/<PROJECT_ID>/locations/<LOCATION_ID>/queues/<QUEUE_ID>".`
	msgRateTooHigh  = "RateLimits.maxDispatchesPerSecond must be less than or equal to 500."
	msgEntityExists = "Requested entity already exists"
	msgNotFound     = "Requested entity was not found."
	msgTaskGone     = "The task no longer exists, though a task with this name existed recently. " +
		"The task either successfully completed or was deleted."
)

const waitFor = 10 * time.Second // the longest any condition below is waited on

// ---------------------------------------------------------------- checks

var passed, failed int

// C collects the problems found by one check.
type C struct{ problems []string }

func (c *C) Errorf(format string, args ...interface{}) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *C) Eq(what string, got, want interface{}) {
	if !reflect.DeepEqual(got, want) {
		c.Errorf("%s: got %#v, want %#v", what, got, want)
	}
}

// Err checks that err is a gRPC status with `code` and, when msg is not empty, exactly `msg`.
func (c *C) Err(what string, err error, code codes.Code, msg string) {
	if err == nil {
		c.Errorf("%s: succeeded, want %v", what, code)
		return
	}
	s, ok := status.FromError(err)
	if !ok {
		c.Errorf("%s: not a gRPC status error: %v", what, err)
		return
	}
	if s.Code() != code {
		c.Errorf("%s: code %v (%q), want %v", what, s.Code(), s.Message(), code)
	} else if msg != "" && s.Message() != msg {
		c.Errorf("%s: message %q, want %q", what, s.Message(), msg)
	}
}

// OK records an unexpected error; it returns whether err was nil.
func (c *C) OK(what string, err error) bool {
	if err != nil {
		c.Errorf("%s: %v", what, err)
	}
	return err == nil
}

func check(name string, f func(c *C)) {
	var c C
	f(&c)
	if len(c.problems) == 0 {
		passed++
		fmt.Printf("ok   %s\n", name)
		return
	}
	failed++
	fmt.Printf("FAIL %s\n", name)
	for _, p := range c.problems {
		fmt.Printf("       %s\n", p)
	}
}

func fatalf(format string, args ...interface{}) {
	fmt.Printf("FATAL "+format+"\n", args...)
	fmt.Printf("%d passed, %d failed\n", passed, failed+1)
	os.Exit(1)
}

// dur converts a Duration field; -1 when it is absent.
func dur(d *durpb.Duration) time.Duration {
	if d == nil {
		return -1
	}
	v, err := ptypes.Duration(d)
	if err != nil {
		return -2
	}
	return v
}

func durationProto(d time.Duration) *durpb.Duration { return ptypes.DurationProto(d) }

func timestampProto(t time.Time) *tspb.Timestamp {
	ts, err := ptypes.TimestampProto(t)
	if err != nil {
		fatalf("timestamp %v: %v", t, err)
	}
	return ts
}

// headerValue looks a header up case-insensitively in a task's stored headers.
func headerValue(h map[string]string, name string) (string, bool) {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

func lastSegment(name string) string { return name[strings.LastIndex(name, "/")+1:] }

// ---------------------------------------------------------------- the local worker

type hit struct {
	method, path string
	header       http.Header
	body         []byte
	at           time.Time
}

// worker is the tasks' HTTP target on 127.0.0.1. Each path has its own channel of received
// requests. /retry answers 503 to its first request and 200 afterwards; the rest answer 200.
type worker struct {
	url        string
	hits       map[string]chan hit
	retryCalls int32
}

func startWorker(paths ...string) *worker {
	w := &worker{hits: map[string]chan hit{}}
	for _, p := range paths {
		w.hits[p] = make(chan hit, 16)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatalf("worker listen: %v", err)
	}
	w.url = "http://" + ln.Addr().String()
	go http.Serve(ln, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h := hit{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body, at: time.Now()}
		code := http.StatusOK
		if r.URL.Path == "/retry" && atomic.AddInt32(&w.retryCalls, 1) == 1 {
			code = http.StatusServiceUnavailable
		}
		if ch, ok := w.hits[r.URL.Path]; ok {
			select {
			case ch <- h:
			default: // a full channel means far more requests than the test expects; later checks say so
			}
		}
		rw.WriteHeader(code)
	}))
	return w
}

// next waits for the next request on `path`, up to waitFor.
func (w *worker) next(path string) (hit, error) {
	select {
	case h := <-w.hits[path]:
		return h, nil
	case <-time.After(waitFor):
		return hit{}, fmt.Errorf("the worker got no request on %s within %v", path, waitFor)
	}
}

// ---------------------------------------------------------------- the scenario

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go-real-client 127.0.0.1:PORT")
		os.Exit(2)
	}
	addr := os.Args[1]
	started := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	client, err := cloudtasks.NewClient(ctx,
		option.WithEndpoint(addr),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithInsecure()))
	if err != nil {
		fatalf("cloudtasks.NewClient: %v", err)
	}
	defer client.Close()

	id := make([]byte, 4)
	rand.Read(id)
	runID := hex.EncodeToString(id)
	parent := "projects/go-test-" + runID + "/locations/europe-west1"
	queue := func(q string) string { return parent + "/queues/" + q }
	qA, qB, qC := queue("q-a"), queue("q-b"), queue("q-c")
	qTasks, qRetry := queue("q-tasks"), queue("q-retry")
	fmt.Printf("cloud.google.com/go/cloudtasks/apiv2 over gRPC against %s (project go-test-%s)\n", addr, runID)

	wk := startWorker("/basic", "/run", "/retry")
	createQueue := func(q *taskspb.Queue) (*taskspb.Queue, error) {
		return client.CreateQueue(ctx, &taskspb.CreateQueueRequest{Parent: parent, Queue: q})
	}

	// ------------------------------------------------------------ queues

	// Spec 4.2 and the documented CreateQueue response (3).
	checkDefaults := func(c *C, q *taskspb.Queue, name string) {
		c.Eq("name", q.GetName(), name)
		c.Eq("maxDispatchesPerSecond", q.GetRateLimits().GetMaxDispatchesPerSecond(), 500.0)
		c.Eq("maxBurstSize", q.GetRateLimits().GetMaxBurstSize(), int32(100))
		c.Eq("maxConcurrentDispatches", q.GetRateLimits().GetMaxConcurrentDispatches(), int32(1000))
		c.Eq("maxAttempts", q.GetRetryConfig().GetMaxAttempts(), int32(100))
		c.Eq("minBackoff", dur(q.GetRetryConfig().GetMinBackoff()), 100*time.Millisecond)
		c.Eq("maxBackoff", dur(q.GetRetryConfig().GetMaxBackoff()), 3600*time.Second)
		c.Eq("maxDoublings", q.GetRetryConfig().GetMaxDoublings(), int32(16))
		if d := dur(q.GetRetryConfig().GetMaxRetryDuration()); d > 0 {
			c.Errorf("maxRetryDuration: got %v, want unset (unlimited)", d)
		}
		c.Eq("state", q.GetState(), taskspb.Queue_RUNNING)
		if q.GetPurgeTime() != nil {
			c.Errorf("a new queue has no purgeTime, got %v", q.GetPurgeTime())
		}
	}

	check("CreateQueue returns the documented defaults (4.2)", func(c *C) {
		q, err := createQueue(&taskspb.Queue{Name: qA})
		if c.OK("CreateQueue", err) {
			checkDefaults(c, q, qA)
		}
	})

	check("GetQueue returns the same defaults", func(c *C) {
		q, err := client.GetQueue(ctx, &taskspb.GetQueueRequest{Name: qA})
		if c.OK("GetQueue", err) {
			checkDefaults(c, q, qA)
		}
	})

	check("CreateQueue on an existing name fails with AlreadyExists (7.3)", func(c *C) {
		_, err := createQueue(&taskspb.Queue{Name: qA})
		c.Err("CreateQueue again", err, codes.AlreadyExists, msgQueueExists)
	})

	check("CreateQueue with an invalid queue ID fails with InvalidArgument (1.2, 7.3)", func(c *C) {
		_, err := createQueue(&taskspb.Queue{Name: queue("bad_queue")})
		c.Err("queue ID with '_'", err, codes.InvalidArgument, msgBadQueueName)
	})

	check("ListQueues: PageSize 2 over 3 queues; the iterator collects all, in name order (4.9)", func(c *C) {
		for _, n := range []string{qC, qB} {
			if _, err := createQueue(&taskspb.Queue{Name: n}); !c.OK("CreateQueue "+n, err) {
				return
			}
		}
		var names []string
		it := client.ListQueues(ctx, &taskspb.ListQueuesRequest{Parent: parent, PageSize: 2})
		for {
			q, err := it.Next()
			if err == iterator.Done {
				break
			}
			if !c.OK("ListQueues iterator", err) {
				return
			}
			names = append(names, q.GetName())
		}
		c.Eq("queues listed", names, []string{qA, qB, qC})

		// Page by page: 2, then 1 with no further token.
		var sizes []int
		pager := iterator.NewPager(client.ListQueues(ctx, &taskspb.ListQueuesRequest{Parent: parent}), 2, "")
		for page := 0; page < 10; page++ {
			var qs []*taskspb.Queue
			token, err := pager.NextPage(&qs)
			if !c.OK("ListQueues page", err) {
				return
			}
			sizes = append(sizes, len(qs))
			if token == "" {
				break
			}
		}
		c.Eq("page sizes", sizes, []int{2, 1})
	})

	check("UpdateQueue, mask rate_limits.max_dispatches_per_second: only that field changes (4.7)", func(c *C) {
		req := &taskspb.UpdateQueueRequest{
			Queue: &taskspb.Queue{
				Name:        qA,
				RateLimits:  &taskspb.RateLimits{MaxDispatchesPerSecond: 10, MaxConcurrentDispatches: 7},
				RetryConfig: &taskspb.RetryConfig{MaxAttempts: 5},
			},
			UpdateMask: &field_mask.FieldMask{Paths: []string{"rate_limits.max_dispatches_per_second"}},
		}
		q, err := client.UpdateQueue(ctx, req)
		if !c.OK("UpdateQueue", err) {
			return
		}
		c.Eq("maxDispatchesPerSecond", q.GetRateLimits().GetMaxDispatchesPerSecond(), 10.0)
		c.Eq("maxConcurrentDispatches (not in the mask)", q.GetRateLimits().GetMaxConcurrentDispatches(), int32(1000))
		c.Eq("maxAttempts (not in the mask)", q.GetRetryConfig().GetMaxAttempts(), int32(100))
		if q.GetRateLimits().GetMaxBurstSize() <= 0 {
			c.Errorf("maxBurstSize is derived and positive (4.3), got %d", q.GetRateLimits().GetMaxBurstSize())
		}
		c.Eq("state", q.GetState(), taskspb.Queue_RUNNING)
		got, err := client.GetQueue(ctx, &taskspb.GetQueueRequest{Name: qA})
		if c.OK("GetQueue", err) {
			c.Eq("stored maxDispatchesPerSecond", got.GetRateLimits().GetMaxDispatchesPerSecond(), 10.0)
			c.Eq("stored maxConcurrentDispatches", got.GetRateLimits().GetMaxConcurrentDispatches(), int32(1000))
		}
	})

	check("UpdateQueue past the rate limit fails with InvalidArgument (4.2)", func(c *C) {
		_, err := client.UpdateQueue(ctx, &taskspb.UpdateQueueRequest{
			Queue:      &taskspb.Queue{Name: qA, RateLimits: &taskspb.RateLimits{MaxDispatchesPerSecond: 501}},
			UpdateMask: &field_mask.FieldMask{Paths: []string{"rate_limits.max_dispatches_per_second"}},
		})
		c.Err("maxDispatchesPerSecond 501", err, codes.InvalidArgument, msgRateTooHigh)
	})

	check("PauseQueue returns PAUSED, ResumeQueue RUNNING (4.1, 4.7)", func(c *C) {
		q, err := client.PauseQueue(ctx, &taskspb.PauseQueueRequest{Name: qB})
		if c.OK("PauseQueue", err) {
			c.Eq("state after pause", q.GetState(), taskspb.Queue_PAUSED)
		}
		if got, err := client.GetQueue(ctx, &taskspb.GetQueueRequest{Name: qB}); c.OK("GetQueue", err) {
			c.Eq("stored state after pause", got.GetState(), taskspb.Queue_PAUSED)
		}
		q, err = client.ResumeQueue(ctx, &taskspb.ResumeQueueRequest{Name: qB})
		if c.OK("ResumeQueue", err) {
			c.Eq("state after resume", q.GetState(), taskspb.Queue_RUNNING)
		}
	})

	check("GetQueue and PauseQueue on a missing queue fail with NotFound (7.3)", func(c *C) {
		_, err := client.GetQueue(ctx, &taskspb.GetQueueRequest{Name: queue("never-created")})
		c.Err("GetQueue", err, codes.NotFound, msgQueueNotFound)
		_, err = client.PauseQueue(ctx, &taskspb.PauseQueueRequest{Name: queue("never-created")})
		c.Err("PauseQueue", err, codes.NotFound, msgQueueNotFound)
	})

	// ------------------------------------------------------------ tasks

	if _, err := createQueue(&taskspb.Queue{Name: qTasks}); err != nil {
		fatalf("CreateQueue %s: %v", qTasks, err)
	}
	// Tasks here are scheduled an hour ahead: nothing is dispatched except through RunTask.
	later := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	body := []byte(`{"prompt":"A beautiful sunset"}`)
	t1 := qTasks + "/tasks/t1-" + runID
	tRun := qTasks + "/tasks/run-" + runID
	var generated string

	check("CreateTask: POST, User-Agent added, dispatchDeadline 600s, BASIC without the body (5.1, 5.2)", func(c *C) {
		t, err := client.CreateTask(ctx, &taskspb.CreateTaskRequest{Parent: qTasks, Task: &taskspb.Task{
			Name: t1,
			MessageType: &taskspb.Task_HttpRequest{HttpRequest: &taskspb.HttpRequest{
				Url:     wk.url + "/basic",
				Headers: map[string]string{"X-Custom-Header": "Value-1", "Content-Type": "application/json"},
				Body:    body,
			}},
			ScheduleTime: timestampProto(later),
		}})
		if !c.OK("CreateTask", err) {
			return
		}
		c.Eq("name", t.GetName(), t1)
		hr := t.GetHttpRequest()
		c.Eq("url", hr.GetUrl(), wk.url+"/basic")
		c.Eq("httpMethod", hr.GetHttpMethod(), taskspb.HttpMethod_POST)
		c.Eq("X-Custom-Header (its case kept)", hr.GetHeaders()["X-Custom-Header"], "Value-1")
		ua, _ := headerValue(hr.GetHeaders(), "User-Agent")
		c.Eq("stored User-Agent", ua, "Google-Cloud-Tasks")
		c.Eq("body in the BASIC view", len(hr.GetBody()), 0)
		c.Eq("view", t.GetView(), taskspb.Task_BASIC)
		c.Eq("dispatchDeadline", dur(t.GetDispatchDeadline()), 600*time.Second)
		c.Eq("scheduleTime", t.GetScheduleTime().GetSeconds(), later.Unix())
		c.Eq("scheduleTime nanos", t.GetScheduleTime().GetNanos(), int32(later.Nanosecond()))
		if ct := t.GetCreateTime(); ct == nil || time.Since(time.Unix(ct.GetSeconds(), 0)).Abs() > time.Minute {
			c.Errorf("createTime is now, got %v", ct)
		}
		c.Eq("dispatchCount", t.GetDispatchCount(), int32(0))
		c.Eq("responseCount", t.GetResponseCount(), int32(0))
	})

	check("CreateTask without a name generates a task ID (1.3)", func(c *C) {
		t, err := client.CreateTask(ctx, &taskspb.CreateTaskRequest{Parent: qTasks, Task: &taskspb.Task{
			MessageType: &taskspb.Task_HttpRequest{HttpRequest: &taskspb.HttpRequest{
				Url: wk.url + "/basic", Body: []byte("generated")}},
			ScheduleTime: timestampProto(later),
		}})
		if !c.OK("CreateTask", err) {
			return
		}
		generated = t.GetName()
		pattern := "^" + regexp.QuoteMeta(qTasks) + "/tasks/[A-Za-z0-9_-]{1,500}$"
		if !regexp.MustCompile(pattern).MatchString(generated) {
			c.Errorf("generated name %q", generated)
		}
	})

	check("GetTask is BASIC by default; ResponseView FULL returns the body (5.2)", func(c *C) {
		basic, err := client.GetTask(ctx, &taskspb.GetTaskRequest{Name: t1})
		if c.OK("GetTask", err) {
			c.Eq("view", basic.GetView(), taskspb.Task_BASIC)
			c.Eq("body in the BASIC view", len(basic.GetHttpRequest().GetBody()), 0)
			c.Eq("dispatchDeadline", dur(basic.GetDispatchDeadline()), 600*time.Second)
		}
		full, err := client.GetTask(ctx, &taskspb.GetTaskRequest{Name: t1, ResponseView: taskspb.Task_FULL})
		if c.OK("GetTask FULL", err) {
			c.Eq("view", full.GetView(), taskspb.Task_FULL)
			c.Eq("body in the FULL view", string(full.GetHttpRequest().GetBody()), string(body))
			c.Eq("X-Custom-Header", full.GetHttpRequest().GetHeaders()["X-Custom-Header"], "Value-1")
		}
	})

	check("CreateTask with a task name in use fails with AlreadyExists (5.6, 7.3)", func(c *C) {
		_, err := client.CreateTask(ctx, &taskspb.CreateTaskRequest{Parent: qTasks, Task: &taskspb.Task{
			Name:         t1,
			MessageType:  &taskspb.Task_HttpRequest{HttpRequest: &taskspb.HttpRequest{Url: wk.url + "/basic"}},
			ScheduleTime: timestampProto(later),
		}})
		c.Err("duplicate task", err, codes.AlreadyExists, msgEntityExists)
	})

	check("CreateTask with an invalid task ID fails with InvalidArgument (7.3)", func(c *C) {
		_, err := client.CreateTask(ctx, &taskspb.CreateTaskRequest{Parent: qTasks, Task: &taskspb.Task{
			Name:        qTasks + "/tasks/bad.id",
			MessageType: &taskspb.Task_HttpRequest{HttpRequest: &taskspb.HttpRequest{Url: wk.url + "/basic"}},
		}})
		c.Err("task ID with '.'", err, codes.InvalidArgument, `Task ID "bad.id" can contain only letters ([A-Za-z]), `+
			`numbers ([0-9]), hyphens (-), or underscores (_). Task ID must between 1 and 500 characters.`)
	})

	check("ListTasks pages by PageSize 2; the iterator collects all, BASIC (5.4)", func(c *C) {
		_, err := client.CreateTask(ctx, &taskspb.CreateTaskRequest{Parent: qTasks, Task: &taskspb.Task{
			Name: tRun,
			MessageType: &taskspb.Task_HttpRequest{HttpRequest: &taskspb.HttpRequest{
				Url: wk.url + "/run", Body: []byte("run me")}},
			ScheduleTime: timestampProto(later),
		}})
		if !c.OK("CreateTask "+tRun, err) {
			return
		}
		var names []string
		it := client.ListTasks(ctx, &taskspb.ListTasksRequest{Parent: qTasks, PageSize: 2})
		for {
			t, err := it.Next()
			if err == iterator.Done {
				break
			}
			if !c.OK("ListTasks iterator", err) {
				return
			}
			names = append(names, t.GetName())
			if t.GetView() != taskspb.Task_BASIC || len(t.GetHttpRequest().GetBody()) != 0 {
				c.Errorf("%s: view %v with %d body bytes, want BASIC without the body",
					t.GetName(), t.GetView(), len(t.GetHttpRequest().GetBody()))
			}
		}
		want := []string{t1, tRun, generated}
		sort.Strings(names)
		sort.Strings(want)
		c.Eq("tasks listed", names, want)

		var sizes []int
		pager := iterator.NewPager(client.ListTasks(ctx, &taskspb.ListTasksRequest{Parent: qTasks}), 2, "")
		for page := 0; page < 10; page++ {
			var ts []*taskspb.Task
			token, err := pager.NextPage(&ts)
			if !c.OK("ListTasks page", err) {
				return
			}
			sizes = append(sizes, len(ts))
			if token == "" {
				break
			}
		}
		c.Eq("page sizes", sizes, []int{2, 1})
	})

	check("RunTask dispatches now: dispatchCount 1; the worker gets the task (5.5, 6.1)", func(c *C) {
		t, err := client.RunTask(ctx, &taskspb.RunTaskRequest{Name: tRun})
		if !c.OK("RunTask", err) {
			return
		}
		c.Eq("name", t.GetName(), tRun)
		c.Eq("dispatchCount", t.GetDispatchCount(), int32(1))
		if t.GetLastAttempt().GetDispatchTime() == nil {
			c.Errorf("lastAttempt.dispatchTime is not set")
		}
		h, err := wk.next("/run")
		if !c.OK("worker", err) {
			return
		}
		c.Eq("X-CloudTasks-TaskName", h.header.Get("X-CloudTasks-TaskName"), lastSegment(tRun))
		c.Eq("body", string(h.body), "run me")
	})

	check("DeleteTask; then GetTask fails with NotFound (5.4, 7.3)", func(c *C) {
		if !c.OK("DeleteTask", client.DeleteTask(ctx, &taskspb.DeleteTaskRequest{Name: t1})) {
			return
		}
		_, err := client.GetTask(ctx, &taskspb.GetTaskRequest{Name: t1})
		c.Err("GetTask after DeleteTask", err, codes.NotFound, msgTaskGone)
		err = client.DeleteTask(ctx, &taskspb.DeleteTaskRequest{Name: t1})
		c.Err("DeleteTask again", err, codes.NotFound, msgNotFound)
		_, err = client.GetTask(ctx, &taskspb.GetTaskRequest{Name: qTasks + "/tasks/never-" + runID})
		c.Err("GetTask on a name never used", err, codes.NotFound, msgNotFound)
	})

	check("PurgeQueue sets purgeTime and removes the tasks (4.7)", func(c *C) {
		q, err := client.PurgeQueue(ctx, &taskspb.PurgeQueueRequest{Name: qTasks})
		if !c.OK("PurgeQueue", err) {
			return
		}
		if pt := q.GetPurgeTime(); pt == nil || time.Since(time.Unix(pt.GetSeconds(), 0)).Abs() > time.Minute {
			c.Errorf("purgeTime is now, got %v", pt)
		}
		c.Eq("state", q.GetState(), taskspb.Queue_RUNNING)
		it := client.ListTasks(ctx, &taskspb.ListTasksRequest{Parent: qTasks})
		t, err := it.Next()
		if err != iterator.Done {
			c.Errorf("ListTasks after purge: got %v, %v; want no task", t.GetName(), err)
		}
	})

	// ------------------------------------------------------------ dispatch and retry (6.1, 4.5)

	const minBackoff = 50 * time.Millisecond
	check("dispatch: 503 then 200; the headers of both attempts (6.1, 4.5)", func(c *C) {
		_, err := createQueue(&taskspb.Queue{
			Name: qRetry,
			RetryConfig: &taskspb.RetryConfig{
				MaxAttempts: 5, MinBackoff: durationProto(minBackoff), MaxBackoff: durationProto(time.Second)},
		})
		if !c.OK("CreateQueue "+qRetry, err) {
			return
		}
		name := qRetry + "/tasks/retry-" + runID
		_, err = client.CreateTask(ctx, &taskspb.CreateTaskRequest{Parent: qRetry, Task: &taskspb.Task{
			Name: name,
			MessageType: &taskspb.Task_HttpRequest{HttpRequest: &taskspb.HttpRequest{
				Url:     wk.url + "/retry",
				Headers: map[string]string{"X-Custom-Header": "go-value", "Content-Type": "application/json"},
				Body:    body,
			}},
		}})
		if !c.OK("CreateTask", err) {
			return
		}
		first, err := wk.next("/retry")
		if !c.OK("first attempt", err) {
			return
		}
		c.Eq("method", first.method, http.MethodPost)
		c.Eq("body", string(first.body), string(body))
		c.Eq("X-Custom-Header", first.header.Get("X-Custom-Header"), "go-value")
		c.Eq("Content-Type", first.header.Get("Content-Type"), "application/json")
		c.Eq("User-Agent", first.header.Get("User-Agent"), "Google-Cloud-Tasks")
		c.Eq("X-CloudTasks-QueueName", first.header.Get("X-CloudTasks-QueueName"), "q-retry")
		c.Eq("X-CloudTasks-TaskName", first.header.Get("X-CloudTasks-TaskName"), lastSegment(name))
		c.Eq("X-CloudTasks-TaskRetryCount", first.header.Get("X-CloudTasks-TaskRetryCount"), "0")
		c.Eq("X-CloudTasks-TaskExecutionCount", first.header.Get("X-CloudTasks-TaskExecutionCount"), "0")
		if v := first.header.Values("X-CloudTasks-TaskPreviousResponse"); len(v) != 0 {
			c.Errorf("X-CloudTasks-TaskPreviousResponse on the first attempt: %q", v)
		}
		if first.header.Get("X-CloudTasks-TaskETA") == "" {
			c.Errorf("X-CloudTasks-TaskETA is not set")
		}

		second, err := wk.next("/retry")
		if !c.OK("second attempt (after the 503)", err) {
			return
		}
		retry := second.header.Get
		c.Eq("retry: X-CloudTasks-TaskRetryCount", retry("X-CloudTasks-TaskRetryCount"), "1")
		c.Eq("retry: X-CloudTasks-TaskExecutionCount (5xx not counted)", retry("X-CloudTasks-TaskExecutionCount"), "0")
		c.Eq("retry: X-CloudTasks-TaskPreviousResponse", retry("X-CloudTasks-TaskPreviousResponse"), "503")
		c.Eq("retry: X-CloudTasks-TaskName", retry("X-CloudTasks-TaskName"), lastSegment(name))
		c.Eq("retry: body", string(second.body), string(body))
		// delay(1) = minBackoff (4.5); allow for the clock's granularity.
		if gap := second.at.Sub(first.at); gap < minBackoff-10*time.Millisecond || gap > waitFor {
			c.Errorf("retry came %v after the first attempt, want about minBackoff %v", gap, minBackoff)
		} else {
			fmt.Printf("     (the retry came %v after the first attempt; minBackoff %v)\n",
				gap.Round(time.Millisecond), minBackoff)
		}

		// After the 200 the task is done and deleted (6.2): GetTask turns NotFound.
		deadline := time.Now().Add(waitFor)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			_, err = client.GetTask(ctx, &taskspb.GetTaskRequest{Name: name})
			if status.Code(err) == codes.NotFound || time.Now().After(deadline) {
				break
			}
			<-tick.C
		}
		c.Err("GetTask after the 200", err, codes.NotFound, msgTaskGone)
		select {
		case h := <-wk.hits["/retry"]:
			c.Errorf("a third attempt after the 200: %v", h.header)
		default:
		}
	})

	// ------------------------------------------------------------ deleting queues

	check("DeleteQueue; then GetQueue fails with NotFound (4.7, 7.3)", func(c *C) {
		for _, n := range []string{qA, qB, qC, qTasks, qRetry} {
			c.OK("DeleteQueue "+lastSegment(n), client.DeleteQueue(ctx, &taskspb.DeleteQueueRequest{Name: n}))
		}
		_, err := client.GetQueue(ctx, &taskspb.GetQueueRequest{Name: qA})
		c.Err("GetQueue after DeleteQueue", err, codes.NotFound, msgQueueNotFound)
		err = client.DeleteQueue(ctx, &taskspb.DeleteQueueRequest{Name: queue("never-created")})
		c.Err("DeleteQueue on a missing queue", err, codes.NotFound, msgNotFound)
		it := client.ListQueues(ctx, &taskspb.ListQueuesRequest{Parent: parent})
		if q, err := it.Next(); err != iterator.Done {
			c.Errorf("ListQueues after deleting every queue: got %v, %v", q.GetName(), err)
		}
	})

	fmt.Printf("(%.1f s)\n", time.Since(started).Seconds())
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
