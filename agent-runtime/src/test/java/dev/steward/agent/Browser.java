package dev.steward.agent;

import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import java.util.function.Supplier;

import static org.awaitility.Awaitility.await;

/**
 * Debian's chromium, headless, driven through Debian's chromium-driver by Selenium. Both are named
 * by path, so Selenium Manager never looks for (or downloads) a browser or a driver. A profile of
 * its own in a temporary directory, removed on close with the browser and its driver.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target", "screenshots");
    final ChromeDriver driver;
    private final Path profile;

    static boolean available() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
    }

    /** Skips the test, saying why, where Debian's chromium and chromium-driver are not installed. */
    static void assumeAvailable() {
        org.junit.jupiter.api.Assumptions.assumeTrue(available(),
                "chromium and chromium-driver are not installed at /usr/bin (Debian's chromium and chromium-driver; .ci/run installs them)");
    }

    Browser() throws IOException {
        this(List.of());
    }

    /** A browser that also takes {@code arguments} (chromium's switches: {@code --ignore-certificate-errors} for a test CA's HTTPS). */
    Browser(List<String> arguments) throws IOException {
        profile = Files.createTempDirectory("steward-chromium");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments(arguments);
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, o);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    }

    void open(String url) {
        driver.get(url);
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    /**
     * Waits until {@code css} matches an element whose text contains {@code text}; returns it. The
     * element is found and read in one try: a page re-rendered between a find and a read (its watch
     * saw a change) leaves a stale element, and the try is made again.
     */
    WebElement awaitText(String css, String text, Duration within) {
        return awaitFirst(css, text, (e, t) -> e, "no '" + text + "' in " + css, within);
    }

    /**
     * As {@link #awaitText}, but returns the text the element had when it matched, read in the same
     * try: the element itself may be replaced by the next render before a later read.
     */
    String awaitTextOf(String css, String text, Duration within) {
        return awaitFirst(css, text, (e, t) -> t, "no '" + text + "' in " + css, within);
    }

    /**
     * The attribute {@code name} of the first element {@code css} matches whose text contains
     * {@code text}, found and read in one try, tried again until one is found (as {@link #awaitText}).
     */
    String awaitAttribute(String css, String text, String name, Duration within) {
        return awaitFirst(css, text, (e, t) -> e.getAttribute(name), "no '" + text + "' with a " + name + " in " + css, within);
    }

    /** What {@code read} makes of the first element {@code css} matches whose text contains {@code text}, in the try that found it. */
    private <T> T awaitFirst(String css, String text, java.util.function.BiFunction<WebElement, String, T> read, String what, Duration within) {
        List<T> out = new java.util.ArrayList<>();
        try {
            await().atMost(within).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                out.clear();
                for (WebElement e : driver.findElements(By.cssSelector(css))) {
                    String t = e.getText();
                    if (t.contains(text)) {
                        T r = read.apply(e, t);
                        if (r != null) {
                            out.add(r);
                        }
                        return r != null;
                    }
                }
                return false;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw failed(what, e);
        }
        return out.get(0);
    }

    /**
     * The text of what {@code css} matches, found and read in one try, and tried again (for up to
     * 10 s) when a render replaced the element between the two (a stale element) or has not put it
     * back yet: the page re-renders whenever its watch sees a change.
     */
    String text(String css) {
        String[] read = {null};
        try {
            await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                read[0] = find(css).getText();
                return true;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw failed("the text of " + css, e);
        }
        return read[0];
    }

    /**
     * Clicks what {@code css} matches, once: a page that re-renders on every change its watch
     * sees can replace the element between a find and its click (a stale element, not clicked),
     * so the find and the click are tried again together until one click is made.
     */
    void click(String css, Duration within) {
        awaitTrue(() -> {
            find(css).click();
            return true;
        }, within);
    }

    void awaitTrue(Supplier<Boolean> condition, Duration within) {
        try {
            await().atMost(within).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(condition::get);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw failed("a condition on the page", e);
        }
    }

    /** A wait that timed out: what the page showed, as text and as target/screenshots/failed-*.png. */
    private AssertionError failed(String what, Exception e) {
        String shot;
        try {
            shot = screenshot("failed-" + System.currentTimeMillis()).toString();
        } catch (IOException | RuntimeException x) {
            shot = "no screenshot: " + x;
        }
        String text;
        try {
            text = driver.findElement(By.tagName("body")).getText();
        } catch (RuntimeException x) {
            text = "(unreadable: " + x + ")";
        }
        return new AssertionError("waited for " + what + " at " + driver.getCurrentUrl() + " (" + shot + "); the page said:\n" + text, e);
    }

    /** Signs in with {@code token} on the page at {@code url}. */
    void signIn(String url, String token) {
        open(url + "/");
        awaitTrue(() -> find("#token").isDisplayed(), Duration.ofSeconds(20));
        find("#token").sendKeys(token);
        find("#signin-button").click();
        awaitTrue(() -> find("#nav").isDisplayed(), Duration.ofSeconds(20));
    }

    /** Saves what the page shows as target/screenshots/{@code name}.png, for review. */
    Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Path to = SCREENSHOTS.resolve(name + ".png");
        Files.copy(f.toPath(), to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(f.toPath());
        return to;
    }

    Object script(String js, Object... args) {
        return driver.executeScript(js, args);
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            Cluster.removeTree(profile, false);
        }
    }
}
