package httpapi

import (
	"errors"
	"sort"

	"assetflow/application/page"
	es "assetflow/domain/eventsourcing"
)

type (
	eventMeta = es.Metadata
	eventRef  = es.Ref
)

func joinErr(errs ...error) error { return errors.Join(errs...) }

func sortStrings(s []string) { sort.Strings(s) }

func pageOfDefault(size int) (page.Request, error) { return page.New(1, size) }
