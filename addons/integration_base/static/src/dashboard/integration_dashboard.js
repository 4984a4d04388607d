/** @odoo-module **/

import { Component, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { KeepLast } from "@web/core/utils/concurrency";
import { useService } from "@web/core/utils/hooks";

const REFRESH_MS = 30000;

export class IntegrationDashboard extends Component {
    static template = "integration_base.IntegrationDashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        // A slow, stale answer must never overwrite a newer one.
        this.keepLast = new KeepLast();
        this.state = useState({
            backends: [],
            speed: [],
            windowHours: 24,
            speedMinutes: 60,
            recoveryDays: 7,
            loaded: false,
        });
        onWillStart(() => this.load());
        const timer = setInterval(() => this.load(), REFRESH_MS);
        onWillUnmount(() => clearInterval(timer));
    }

    async load() {
        const data = await this.keepLast.add(
            this.orm.call("integration.dashboard", "get_dashboard_data", [])
        );
        this.state.backends = data.backends;
        this.state.speed = data.speed;
        this.state.windowHours = data.window_hours;
        this.state.speedMinutes = data.speed_minutes;
        this.state.recoveryDays = data.recovery_days;
        this.state.loaded = true;
    }

    open(list) {
        this.action.doAction({
            type: "ir.actions.act_window",
            name: list.name,
            res_model: list.model,
            domain: list.domain,
            views: [
                [false, "list"],
                [false, "form"],
                [false, "graph"],
                [false, "pivot"],
            ],
            target: "current",
        });
    }

    formatMs(value) {
        return value === null || value === undefined ? "–" : `${Math.round(value)} ms`;
    }

    formatPercent(ratio) {
        return `${(100 * ratio).toFixed(1)} %`;
    }

    formatRate(perMinute) {
        if (perMinute >= 10) {
            return `${Math.round(perMinute)}`;
        }
        return perMinute.toFixed(perMinute >= 1 ? 1 : 2);
    }

    formatItems(perCall) {
        return perCall === null || perCall === undefined ? "–" : `${Math.round(perCall)}`;
    }

    formatAge(seconds) {
        if (seconds === null || seconds === undefined) {
            return "–";
        }
        if (seconds < 120) {
            return `${Math.round(seconds)} s`;
        }
        if (seconds < 7200) {
            return `${Math.round(seconds / 60)} min`;
        }
        return `${(seconds / 3600).toFixed(1)} h`;
    }
}

registry.category("actions").add("integration_base.dashboard", IntegrationDashboard);
