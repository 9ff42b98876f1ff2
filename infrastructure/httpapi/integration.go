package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	appint "assetflow/application/integration"
	"assetflow/domain/access"
	domain "assetflow/domain/integration"
	intproj "assetflow/projections/integration"
)

// IntegrationDeps are the data-integration module's use cases and read model.
type IntegrationDeps struct {
	Service *appint.Service
	Queries intproj.Queries
	// NextRun computes a cron schedule's next firing.
	NextRun func(cron string, after time.Time) (time.Time, error)
}

func (h *handlers) integrationRoutes(r fiber.Router) {
	if h.Integration.Service == nil {
		return
	}
	read, manage := h.require(access.PermRead), h.require(access.PermManageAssets)
	r.Get("/integration/tasks", read, h.listSyncTasks)
	r.Post("/integration/tasks", manage, h.createSyncTask)
	r.Get("/integration/tasks/:id", read, h.getSyncTask)
	r.Put("/integration/tasks/:id", manage, h.updateSyncTask)
	r.Delete("/integration/tasks/:id", manage, h.deleteSyncTask)
	r.Post("/integration/tasks/:id/pause", manage, h.pauseSyncTask)
	r.Post("/integration/tasks/:id/resume", manage, h.resumeSyncTask)
	r.Post("/integration/tasks/:id/run", manage, h.runSyncTask)
	r.Get("/integration/tasks/:id/runs", read, h.listSyncRuns)
	r.Get("/integration/runs", read, h.listSyncRuns)
	r.Get("/integration/runs/:id", read, h.getSyncRun)
}

// withNextRun fills the next scheduled run of an active task.
func (h *handlers) withNextRun(t intproj.Task) intproj.Task {
	if t.Schedule != "" && t.Status == domain.StatusActive && h.Integration.NextRun != nil {
		if next, err := h.Integration.NextRun(t.Schedule, h.Now()); err == nil {
			t.NextRunAt = &next
		}
	}
	return t
}

func (h *handlers) listSyncTasks(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	if err := h.awaitPosition(c, intproj.Name); err != nil {
		return err
	}
	res, err := h.Integration.Queries.Tasks(c.Context(), intproj.TaskFilter{Keyword: c.Query("keyword"), Scope: c.Query("scope"), Status: c.Query("status")}, pg)
	if err != nil {
		return err
	}
	for i := range res.Items {
		res.Items[i] = h.withNextRun(res.Items[i])
	}
	return list(c, pg, res)
}

func (h *handlers) getSyncTask(c *fiber.Ctx) error {
	t, err := h.Integration.Queries.Task(c.Context(), c.Params("id"))
	if err != nil {
		return err
	}
	return ok(c, h.withNextRun(t))
}

// syncTaskAnswer waits for the read model and answers with the task.
func (h *handlers) syncTaskAnswer(c *fiber.Ctx, ref eventRef, status int) error {
	h.await(c, ref, intproj.Name)
	t, err := h.Integration.Queries.Task(c.Context(), ref.StreamID)
	if err != nil {
		return err
	}
	return c.Status(status).JSON(okBody{Code: "OK", Message: "ok", Success: true, Data: h.withNextRun(t)})
}

func (h *handlers) createSyncTask(c *fiber.Ctx) error {
	var spec domain.Spec
	if err := bind(c, &spec); err != nil {
		return err
	}
	ref, err := h.Integration.Service.Create(c.Context(), spec, h.meta(c))
	if err != nil {
		return err
	}
	return h.syncTaskAnswer(c, ref, fiber.StatusCreated)
}

func (h *handlers) updateSyncTask(c *fiber.Ctx) error {
	var spec domain.Spec
	if err := bind(c, &spec); err != nil {
		return err
	}
	ref, err := h.Integration.Service.Update(c.Context(), c.Params("id"), spec, h.meta(c))
	if err != nil {
		return err
	}
	return h.syncTaskAnswer(c, ref, fiber.StatusOK)
}

func (h *handlers) pauseSyncTask(c *fiber.Ctx) error {
	ref, err := h.Integration.Service.Pause(c.Context(), c.Params("id"), h.meta(c))
	if err != nil {
		return err
	}
	return h.syncTaskAnswer(c, ref, fiber.StatusOK)
}

func (h *handlers) resumeSyncTask(c *fiber.Ctx) error {
	ref, err := h.Integration.Service.Resume(c.Context(), c.Params("id"), h.meta(c))
	if err != nil {
		return err
	}
	return h.syncTaskAnswer(c, ref, fiber.StatusOK)
}

func (h *handlers) deleteSyncTask(c *fiber.Ctx) error {
	ref, err := h.Integration.Service.Delete(c.Context(), c.Params("id"), h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, intproj.Name)
	return ok(c, nil)
}

// runSyncTask starts a run (a request any replica's worker takes) and answers its id at once.
func (h *handlers) runSyncTask(c *fiber.Ctx) error {
	runID, ref, err := h.Integration.Service.Start(c.Context(), c.Params("id"), appint.TriggerManual, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, intproj.Name)
	return c.Status(fiber.StatusAccepted).JSON(okBody{Code: "OK", Message: "started", Success: true, Data: fiber.Map{"run_id": runID, "task_id": c.Params("id")}})
}

func (h *handlers) listSyncRuns(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	taskID := c.Params("id")
	if taskID == "" {
		taskID = c.Query("task_id")
	}
	res, err := h.Integration.Queries.Runs(c.Context(), taskID, c.Query("status"), pg)
	if err != nil {
		return err
	}
	return list(c, pg, res)
}

func (h *handlers) getSyncRun(c *fiber.Ctx) error {
	if err := h.awaitPosition(c, intproj.Name); err != nil {
		return err
	}
	r, err := h.Integration.Queries.Run(c.Context(), c.Params("id"))
	if err != nil {
		return err
	}
	return ok(c, r)
}
