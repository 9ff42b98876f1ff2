package httpapi

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	dsvc "assetflow/projections/dataservice"
)

// openAPI describes every active interface (the version callers reach) as OpenAPI 3.0.
func (h *handlers) openAPI(c *fiber.Ctx) error {
	pg, _ := pageOfDefault(500)
	res, err := h.QueryLog.Interfaces(c.Context(), dsvc.InterfaceFilter{Status: "active"}, pg)
	if err != nil {
		return err
	}
	paths := fiber.Map{}
	seen := map[string]bool{}
	for _, row := range res.Items {
		if seen[row.Code] {
			continue
		}
		top, err := h.QueryLog.Interface(c.Context(), row.Code, "")
		if err != nil || top.Status != "active" {
			continue
		}
		seen[row.Code] = true
		d := top.Definition
		var params []fiber.Map
		bodyProps := fiber.Map{}
		var required []string
		for _, p := range d.Parameters {
			schema := fiber.Map{"type": openAPIType(p.Type)}
			if p.Type == "date" {
				schema["format"] = "date"
			} else if p.Type == "datetime" {
				schema["format"] = "date-time"
			}
			if len(p.Enum) > 0 {
				schema["enum"] = p.Enum
			}
			if p.Default != nil {
				schema["default"] = p.Default
			}
			if p.In == "body" || (d.Method == "POST" && p.In == "query") {
				bodyProps[p.Name] = schema
				if p.Required {
					required = append(required, p.Name)
				}
				continue
			}
			params = append(params, fiber.Map{"name": p.Name, "in": p.In, "required": p.Required || p.In == "path", "description": p.Description, "schema": schema})
		}
		op := fiber.Map{"operationId": d.Code, "summary": d.Name, "description": d.Description, "tags": d.Tags, "parameters": params,
			"responses": fiber.Map{
				"200": fiber.Map{"description": "OK, in the unified envelope", "content": fiber.Map{"application/json": fiber.Map{"example": rawOr(d.Example)}}},
				"400": fiber.Map{"description": "INVALID_PARAM"}, "401": fiber.Map{"description": "UNAUTHORIZED"},
				"403": fiber.Map{"description": "FORBIDDEN"}, "404": fiber.Map{"description": "NOT_FOUND"},
				"429": fiber.Map{"description": "RATE_LIMITED"}, "502": fiber.Map{"description": "DATASOURCE_ERROR"}, "504": fiber.Map{"description": "TIMEOUT"},
			}}
		if len(bodyProps) > 0 {
			op["requestBody"] = fiber.Map{"content": fiber.Map{"application/json": fiber.Map{"schema": fiber.Map{"type": "object", "properties": bodyProps, "required": required}}}}
		}
		if d.AuthRequired {
			op["security"] = []fiber.Map{{"bearer": []string{}}, {"apiKey": []string{}}}
		}
		paths["/data-api/"+d.Code] = fiber.Map{strings.ToLower(d.Method): op}
	}
	return c.JSON(fiber.Map{
		"openapi": "3.0.3",
		"info":    fiber.Map{"title": "AssetFlow report APIs", "version": "1"},
		"paths":   paths,
		"components": fiber.Map{"securitySchemes": fiber.Map{
			"bearer": fiber.Map{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
			"apiKey": fiber.Map{"type": "apiKey", "in": "header", "name": "X-API-Key"},
		}},
	})
}

func rawOr(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return jsonRaw(b)
}

type jsonRaw []byte

func (j jsonRaw) MarshalJSON() ([]byte, error) { return j, nil }

func openAPIType(t string) string {
	switch t {
	case "date", "datetime":
		return "string"
	}
	return t
}

// interfacesWorkbook lists interface definitions and their parameters and fields in an Excel file.
func interfacesWorkbook(rows []dsvc.InterfaceRow) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const main = "接口"
	if err := f.SetSheetName("Sheet1", main); err != nil {
		return nil, err
	}
	header := []any{"接口编码", "接口名称", "版本", "状态", "报表", "请求方法", "接口地址", "数据源", "可见性", "是否鉴权", "是否分页", "是否合计", "二级表头", "超时(ms)", "描述", "更新人", "更新时间"}
	if err := f.SetSheetRow(main, "A1", &header); err != nil {
		return nil, err
	}
	const fields = "字段"
	if _, err := f.NewSheet(fields); err != nil {
		return nil, err
	}
	fieldHeader := []any{"接口编码", "版本", "参数类型", "编码", "名称/标题", "位置", "数据类型", "必填", "默认值", "父级(二级表头)", "显示", "导出", "描述"}
	if err := f.SetSheetRow(fields, "A1", &fieldHeader); err != nil {
		return nil, err
	}
	line := 2
	for i, r := range rows {
		d := r.Definition
		row := []any{d.Code, d.Name, d.Version, r.Status, r.ReportName, d.Method, "/data-api/" + d.Code, d.DatasourceID, d.Visibility,
			yes(d.AuthRequired), yes(d.Pagination != nil && d.Pagination.Enabled), yes(d.TotalEnabled), yes(d.SecondHeader), d.TimeoutMs,
			d.Description, r.UpdatedBy, r.UpdatedAt.Format("2006-01-02 15:04:05")}
		if err := f.SetSheetRow(main, fmt.Sprintf("A%d", i+2), &row); err != nil {
			return nil, err
		}
		for j, p := range d.Parameters {
			prow := []any{d.Code, d.Version, "输入参数", p.Name, p.Description, p.In + fmt.Sprintf(" #%d", j+1), p.Type, yes(p.Required), fmt.Sprint(valueOr(p.Default)), "", "是", "是", p.Description}
			if err := f.SetSheetRow(fields, fmt.Sprintf("A%d", line), &prow); err != nil {
				return nil, err
			}
			line++
		}
		for j, fl := range d.Fields {
			frow := []any{d.Code, d.Version, "输出参数", fl.Name, fl.Title, j + 1, fl.DataType, "", "", fl.Parent, yes(fl.Display), yes(fl.Export), ""}
			if err := f.SetSheetRow(fields, fmt.Sprintf("A%d", line), &frow); err != nil {
				return nil, err
			}
			line++
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func yes(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func valueOr(v any) any {
	if v == nil {
		return ""
	}
	return v
}
