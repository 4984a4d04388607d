/** @odoo-module **/

import { registry } from "@web/core/registry";

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
            trigger:
                ".o_integration_backend_card:has(.o_backend_name:contains('Tour Shop')) .o_metric_jobs_failed a:contains('1')",
            isCheck: true,
        },
        {
            content: "Open the failed jobs behind the number",
            trigger:
                ".o_integration_backend_card:has(.o_backend_name:contains('Tour Shop')) .o_metric_jobs_failed a",
        },
        {
            content: "The list behind it shows the failed job",
            trigger: ".o_list_view .o_data_row:contains('Shopify answered 500')",
            isCheck: true,
        },
    ],
});
