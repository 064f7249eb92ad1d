"""The page as a user drives it, in headless Chromium (Debian's chromium and
chromium-driver, python3-selenium): the form fills from the catalog, Estimate shows the
step and draws its charts, Plan lists plans, Datacenter and Compare show their panels, a
bad value shows the CLI's message. Saves a screenshot in the build folder (SCREENSHOT_DIR)."""

import os
import unittest

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import Select, WebDriverWait

from serve_process import Served


def chart_points(driver, canvas_id):
    """Data points of the Chart.js chart drawn on a canvas (0 when none is drawn)."""
    return driver.execute_script(
        "const c = Chart.getChart(arguments[0]); if (!c) return 0;"
        "return c.data.datasets.reduce((n, d) => n + d.data.filter(v => v !== null && v !== 0).length, 0);", canvas_id)


class PageInChromium(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.served = Served()
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1300"):
            options.add_argument(arg)
        cls.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        cls.wait = WebDriverWait(cls.driver, 60)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.served.stop()

    def open_page(self, model, cluster):
        """The page, once its catalog lists are in, with `model` and `cluster` picked."""
        d = self.driver
        d.get(self.served.url + "/")
        self.wait.until(lambda d: len(Select(d.find_element(By.ID, "model")).options) > 10)
        Select(d.find_element(By.ID, "model")).select_by_visible_text(model)
        Select(d.find_element(By.ID, "cluster")).select_by_visible_text(cluster)
        return d

    def fill(self, **fields):
        for name, value in fields.items():
            box = self.driver.find_element(By.NAME, name)
            if box.tag_name == "select":
                Select(box).select_by_visible_text(str(value))
            else:
                box.clear()
                box.send_keys(str(value))

    def test_estimate_plan_datacenter_compare(self):
        d = self.open_page("llama3-70b", "dgx-h100")
        self.fill(gpus=64, tp=8, pp=2, global_batch=64, seq_len="8k", tokens="1T")
        d.find_element(By.ID, "estimate").click()
        self.wait.until(ready.text_to_be_present_in_element((By.ID, "summary-body"), "MFU"))
        summary = d.find_element(By.ID, "summary-body").text
        _, cli = self.served.request("/api/estimate", {"flags": {"model": "llama3-70b", "cluster": "dgx-h100", "gpus": 64,
                                                                 "tp": 8, "pp": 2, "global_batch": 64, "seq_len": "8k", "tokens": "1T"}})
        self.assertIn(f"{100 * cli['mfu']:.1f}%", summary)  # the page's MFU is the API's
        self.assertGreater(chart_points(d, "breakdown-chart"), 2)
        self.assertGreater(chart_points(d, "memory-chart"), 3)

        d.find_element(By.ID, "keep").click()
        self.fill(pp=4)
        d.find_element(By.ID, "compare").click()
        self.wait.until(ready.visibility_of_element_located((By.ID, "compare-panel")))
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#compare-table tr.differs")) > 0)

        d.find_element(By.ID, "datacenter").click()
        self.wait.until(ready.visibility_of_element_located((By.ID, "datacenter-panel")))
        self.wait.until(lambda d: chart_points(d, "capex-chart") >= 4)

        d.find_element(By.ID, "plan").click()
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#plans-table tr")) > 3)
        self.assertGreater(chart_points(d, "plans-chart"), 2)
        folder = os.environ.get("SCREENSHOT_DIR", ".")
        d.save_screenshot(os.path.join(folder, "serve-page.png"))

    def test_simulate_draws_the_timeline_of_the_apis_trace(self):
        d = self.open_page("llama3-8b", "dgx-h100")
        self.fill(gpus=32, tp=2, pp=4, global_batch=16, seq_len="4k", tokens="")
        d.find_element(By.ID, "simulate").click()
        self.wait.until(ready.visibility_of_element_located((By.ID, "simulate-panel")))
        self.wait.until(lambda d: chart_points(d, "timeline-chart") > 10)
        _, sim = self.served.request("/api/simulate", {"flags": {"model": "llama3-8b", "cluster": "dgx-h100", "gpus": 32, "tp": 2,
                                                                 "pp": 4, "global_batch": 16, "seq_len": "4k"},
                                                       "mode": "symmetric", "trace": True})
        # The first GPU of each of the 4 stages: every one of their spans is a bar.
        threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in sim["trace"]["traceEvents"] if e.get("name") == "thread_name"}
        firsts = {}
        for e in sim["trace"]["traceEvents"]:
            if e.get("ph") == "X":
                stage = threads[(e["pid"], e["tid"])].split("stage ")[-1]
                firsts[stage] = min(firsts.get(stage, e["args"]["gpu"]), e["args"]["gpu"])
        spans = [e for e in sim["trace"]["traceEvents"] if e.get("ph") == "X" and e["args"]["gpu"] in firsts.values()]
        self.assertEqual(chart_points(d, "timeline-chart"), len(spans))
        self.assertIn(f"{sim['step_time_s']:.4g}"[:4], d.find_element(By.ID, "simulate-summary").text)

    def test_scaling_plans_each_gpu_count_and_draws_the_front(self):
        d = self.open_page("llama3-8b", "dgx-h100")
        self.fill(gpus=64, tp="", pp="", global_batch=512, seq_len="8k", tokens="")
        d.find_element(By.ID, "scaling").click()
        self.wait.until(ready.visibility_of_element_located((By.ID, "scaling-panel")))
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#scaling-table tr")) == 6)  # 16 .. 256 GPUs
        self.assertEqual(chart_points(d, "scaling-chart") >= 5, True)
        _, best = self.served.request("/api/plan", {"flags": {"model": "llama3-8b", "cluster": "dgx-h100", "gpus": 256,
                                                              "global_batch": 512, "seq_len": "8k"}, "top": 1})
        last = d.find_elements(By.CSS_SELECTOR, "#scaling-table tr")[-1].text
        self.assertIn(f"{best['plans'][0]['step_time_s']:.4g}"[:4], last)

    def test_goodput_draws_every_monte_carlo_trial(self):
        d = self.open_page("llama3-70b", "dgx-h100")
        self.fill(gpus=1024, tp=8, pp=4, global_batch=1024, seq_len="8k", tokens="2T")
        d.find_element(By.ID, "goodput").click()
        self.wait.until(lambda d: chart_points(d, "wallclock-chart") > 3)
        trials = d.execute_script("return Chart.getChart('wallclock-chart').data.datasets[0].data.reduce((a, b) => a + b, 0);")
        self.assertEqual(trials, 2000)

    def test_bad_value_shows_the_message(self):
        d = self.driver
        d.get(self.served.url + "/")
        self.wait.until(lambda d: len(Select(d.find_element(By.ID, "model")).options) > 10)
        self.fill(gpus="-5")
        d.find_element(By.ID, "estimate").click()
        self.wait.until(ready.visibility_of_element_located((By.ID, "error")))
        self.assertIn("gpus", d.find_element(By.ID, "error").text)


if __name__ == "__main__":
    unittest.main()
