package io.vigie.it.dashboard;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.regex.Pattern;

import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.PageLoadStrategy;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium (Debian's chromium + chromium-driver, scripts/install-deps.sh) on a gateway, for the
 * dashboard tests. Console errors are collected all along and {@link #close} fails the test when there are any
 * (JS exceptions, console.error, failed loads), except the answers the security is meant to give (401/403/429 on
 * fetches) and whatever a test allows with {@link #allowConsoleErrors}.
 */
public final class Browser implements AutoCloseable {
    public static final int DESKTOP_WIDTH = 1366, DESKTOP_HEIGHT = 768;
    public static final int PHONE_WIDTH = 390, PHONE_HEIGHT = 844;
    /** How long waits for the page wait (a hang guard, not a timing assertion). */
    public static final Duration WAIT = Duration.ofSeconds(20);
    static final Path SCREENSHOTS = Path.of(System.getProperty("vigie.screenshots", "target/dashboard-screenshots"));

    private final ChromeDriver driver;
    private final String origin;
    private final List<String> errors = new ArrayList<>();
    private final List<Pattern> allowed = new ArrayList<>(List.of(
            Pattern.compile("Failed to load resource: the server responded with a status of (401|403|429)\\b.*")));

    /** A desktop-sized browser (1366x768) on {@code origin} ({@code http://127.0.0.1:PORT}). */
    public Browser(String origin) {
        this(origin, DESKTOP_WIDTH, DESKTOP_HEIGHT);
    }

    public Browser(String origin, int width, int height) {
        this.origin = origin;
        ChromeOptions o = new ChromeOptions();
        o.setPageLoadStrategy(PageLoadStrategy.EAGER); // the MJPEG stream of a page never finishes loading
        o.setBinary(System.getProperty("vigie.chromium", "/usr/bin/chromium"));
        o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--hide-scrollbars", "--force-device-scale-factor=1", "--no-first-run", "--disable-extensions",
                "--window-size=" + width + "," + height, "--lang=en-GB");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        // the system chromedriver: Selenium Manager would try to download one
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(System.getProperty("vigie.chromedriver", "/usr/bin/chromedriver")))
                .usingAnyFreePort().build();
        this.driver = new ChromeDriver(service, o);
        size(width, height);
    }

    public WebDriver driver() {
        return driver;
    }

    /** The viewport exactly this size (a phone width is emulated as a mobile device: touch, no scroll bars). */
    public void size(int width, int height) {
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                "deviceScaleFactor", 1, "mobile", width < 600));
    }

    /** Opens a path of the gateway, e.g. {@code /vigie/ui/audit.html}, and waits for the page to load. */
    public void open(String path) {
        driver.get(origin + path);
        waitReady();
    }

    /** The current path and query ({@code /vigie/ui/live.html}). */
    public String path() {
        String u = driver.getCurrentUrl();
        return u.startsWith(origin) ? u.substring(origin.length()) : u;
    }

    /**
     * Signs in through the sign-in page and waits until the browser has left it.
     *
     * @throws AssertionError with the page's message when it stays on the sign-in page
     */
    public void signIn(String user, String password) {
        String message = submitSignIn(user, password);
        try {
            new WebDriverWait(driver, WAIT).until(d -> !path().contains("/signin.html"));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("sign-in as " + user + " failed: " + message + " " + signInMessage(), e);
        }
        waitReady();
    }

    /** Fills and submits the sign-in form (opening it first unless on it); @return the message shown, "" if none. */
    public String submitSignIn(String user, String password) {
        if (!path().contains("/signin.html")) open("/vigie/ui/signin.html");
        WebElement u = wait(ExpectedConditions.elementToBeClickable(By.id("user")));
        u.clear();
        u.sendKeys(user);
        WebElement p = driver.findElement(By.id("password"));
        p.clear();
        p.sendKeys(password);
        script("document.getElementById('message').hidden = true; document.getElementById('message').textContent = '';");
        driver.findElement(By.id("submit")).click();
        // done when the page left, or the message shows and the button is back
        wait(d -> {
            if (!path().contains("/signin.html")) return true;
            try {
                return !driver.findElement(By.id("message")).getText().isEmpty()
                        && driver.findElement(By.id("submit")).isEnabled();
            } catch (org.openqa.selenium.WebDriverException leaving) { // the page went away while we looked
                return false;
            }
        });
        return path().contains("/signin.html") ? signInMessage() : "";
    }

    private String signInMessage() {
        try {
            return driver.findElement(By.id("message")).getText();
        } catch (org.openqa.selenium.WebDriverException e) { // not on the sign-in page (any more)
            return "";
        }
    }

    /** The session cookie (HttpOnly: pages cannot read it, the driver can), or null. */
    public String sessionCookie() {
        Cookie c = driver.manage().getCookieNamed("vigie_session");
        return c == null ? null : c.getValue();
    }

    /** Waits (up to {@link #WAIT}) until the condition gives a non-null, non-false value. */
    public <T> T wait(Function<? super WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT).until(condition);
    }

    public Object script(String js, Object... args) {
        return driver.executeScript(js, args);
    }

    /**
     * Runs an async script: the last argument is the callback, e.g.
     * {@code vigie.api('GET','api/status').then(done, e => done('error ' + e.status + ' ' + e.message))}.
     */
    public Object asyncScript(String js, Object... args) {
        driver.manage().timeouts().scriptTimeout(WAIT);
        return driver.executeAsyncScript(js, args);
    }

    private void waitReady() {
        wait(d -> !"loading".equals(script("return document.readyState")));
    }

    /** A PNG of the viewport, {@code <name>.png} under {@code ${vigie.screenshots}} (target/dashboard-screenshots). */
    public Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path p = SCREENSHOTS.resolve(name + ".png");
        Files.write(p, driver.getScreenshotAs(OutputType.BYTES));
        return p;
    }

    /** Console errors matching this (whole message) are expected by the test, not failures. */
    public void allowConsoleErrors(String regex) {
        allowed.add(Pattern.compile(regex, Pattern.DOTALL));
    }

    /** The unexpected console errors so far (the browser hands each entry over once; they are kept here). */
    public List<String> consoleErrors() {
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() < Level.SEVERE.intValue()) continue;
            String m = e.getMessage();
            String text = m.replaceFirst("^\\S+ (\\d+:\\d+ )?(- )?", ""); // "<url> [<line:col>] [- ]message"
            if (allowed.stream().noneMatch(a -> a.matcher(text).matches())) errors.add(m);
        }
        return List.copyOf(errors);
    }

    /** Quits the browser; fails when the pages logged unexpected errors. */
    @Override
    public void close() {
        List<String> left;
        try {
            left = consoleErrors();
        } finally {
            driver.quit();
        }
        if (!left.isEmpty()) throw new AssertionError("browser console errors:\n" + String.join("\n", left));
    }
}
