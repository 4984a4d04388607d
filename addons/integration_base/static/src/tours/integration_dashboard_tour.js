/** @odoo-module **/

import { registry } from "@web/core/registry";

const CARD = ".o_integration_backend_card:has(.o_backend_name:contains('Tour Shop'))";

registry.category("web_tour.tours").add("integration_base_dashboard_tour", {
    test: true,
    url: "/web#action=integration_base.action_integration_dashboard",
    steps: () => [
        {
            content: "The dashboard shows a card per backend",
            trigger: ".o_integration_backend_card .o_backend_name:contains('Tour Shop')",
            isCheck: true,
        },
        {
            content: "The failed-jobs number of that backend is 1",
            trigger: `${CARD} .o_metric_jobs_failed a:contains('1')`,
            isCheck: true,
        },
        {
            content: "Bulk efficiency: 150 items per batched call, 60 % of the maximum",
            trigger: `${CARD} .o_metric_bulk:has(a:contains('150')) .o_bulk_fill:contains('60.0 %')`,
            isCheck: true,
        },
        {
            content: "Error recovery: one of the two jobs that failed then succeeded",
            trigger: `${CARD} .o_metric_recovery a:contains('50.0 %')`,
            isCheck: true,
        },
        {
            content: "Queue speed: Shopify's jobs done per minute over the last hour",
            trigger: ".o_metric_speed_shopify a:contains('0.')",
            isCheck: true,
        },
        {
            content: "Open the jobs done in the last hour behind the speed",
            trigger: ".o_metric_speed_shopify a",
        },
        {
            content: "The list behind it shows the job done by the tour's backend",
            trigger: ".o_list_view .o_data_row:contains('Tour done')",
            isCheck: true,
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .o_back_button a, .breadcrumb-item:not(.active) a",
        },
        {
            content: "Open the jobs that failed at least once behind the recovery rate",
            trigger: `${CARD} .o_metric_recovery a`,
        },
        {
            content: "The list behind it shows the job that failed for good",
            trigger: ".o_list_view .o_data_row:contains('Shopify answered 500')",
            isCheck: true,
        },
        {
            content: "Back to the dashboard again",
            trigger: ".o_breadcrumb .o_back_button a, .breadcrumb-item:not(.active) a",
        },
        {
            content: "Open the failed jobs behind the number",
            trigger: `${CARD} .o_metric_jobs_failed a`,
        },
        {
            content: "The list behind it shows the failed job",
            trigger: ".o_list_view .o_data_row:contains('Shopify answered 500')",
            isCheck: true,
        },
    ],
});
