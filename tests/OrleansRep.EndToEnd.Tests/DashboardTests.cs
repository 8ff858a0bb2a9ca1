using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Playwright;
using OrleansRep.Client;
using OrleansRep.Replication;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// The dashboard in a real browser (Debian's Chromium through Playwright) against three real silo processes: the map
/// shows the masters /api/status names, a <c>kill -9</c> of a master shows up live (the election in the timeline, the
/// new master in the map, the killed site down), and promote from the page. Screenshots go to
/// <c>TestResults/dashboard-*</c> beside the test assembly (the path is printed).
/// </summary>
public sealed class DashboardTests(ITestOutputHelper output)
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Live = new() { Timeout = 30_000 };

    [RequiresChromiumFact]
    public async Task The_page_follows_the_cluster_live_through_a_kill_and_an_election()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        await using var cluster = new SiloCluster(output, sites: 3, shards: 2);
        await cluster.StartAllAsync();
        var shots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture))).FullName;
        output.WriteLine($"screenshots in {shots}");
        Console.WriteLine($"DashboardTests: screenshots in {shots}");

        // The page is opened on a site that is not shard 0's master: that master is the one killed.
        var doomed = await cluster.MasterAsync(1, 0);
        var viewer = cluster.SiteIds.First(s => s != doomed);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = RequiresChromiumFactAttribute.Path, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 1200 } });
        await page.GotoAsync(cluster.Url(viewer, "/").ToString());
        await Expect(page.Locator("#connection")).ToHaveTextAsync("live", new() { Timeout = 30_000 });
        // Site 1 started first (it founded the cluster): the longest running site is the recovery master.
        await Expect(page.Locator("#recovery-master")).ToHaveTextAsync("site 1", new() { Timeout = 30_000 });

        // Every shard's master as /api/status names it is the master in the map.
        for (var shard = 0; shard < cluster.Shards; shard++)
        {
            var master = await cluster.MasterAsync(viewer, shard);
            await Expect(page.Locator($"#cell-{master}-{shard}")).ToHaveAttributeAsync("data-role", "Master", Live);
        }

        // Writes reach the charts: the page's history gets a sample with commits and a p99 commit latency.
        await using (var client = await OrleansRepClient.ConnectAsync(cluster.ClientOptions()))
        {
            await cluster.WaitUntilAsync(
                async () =>
                {
                    for (var i = 0; i < 20; i++)
                    {
                        await client.PutAsync(Encoding.UTF8.GetBytes($"k{i}"), "v"u8.ToArray(), new WriteOptions(AckPolicy.Quorum));
                    }

                    return await page.EvaluateAsync<bool>("state.history.some(s => s.commitsPerSecond > 0 && s.p99CommitMs > 0)");
                },
                () => "the page's chart history never showed commits");
        }

        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "1-cluster.png"), FullPage = true });

        var oldGen = Gen(await cluster.StatusAsync(viewer), 0);
        cluster.Kill(doomed);
        output.WriteLine($"killed site {doomed}, master of shard 0 at gen {oldGen}; page on site {viewer}");

        // The election shows in the timeline (a winner's ELECTED of a later generation), the new master in the map.
        await cluster.WaitUntilAsync(
            async () => await page.EvalOnSelectorAllAsync<int>("#timeline li[data-kind='Elected'][data-shard='0']", "els => Math.max(0, ...els.map(e => +e.dataset.gen))") > oldGen,
            () => $"the timeline shows no election of shard 0 after gen {oldGen}");
        var elected = 0;
        await cluster.WaitUntilAsync(async () => (elected = await cluster.MasterAsync(viewer, 0)) != doomed, () => $"site {viewer} names a new master of shard 0");
        await Expect(page.Locator($"#cell-{elected}-0")).ToHaveAttributeAsync("data-role", "Master", Live);
        await Expect(page.Locator($"#cell-{doomed}-0")).ToHaveAttributeAsync("data-health", "down", Live);
        await Expect(page.Locator($"#site-{doomed} [data-site-health]")).ToHaveAttributeAsync("data-site-health", "down", Live);
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "2-after-kill.png"), FullPage = true });

        // Elect from the page: the button, the confirmation, the answer shown.
        await page.Locator($"#cell-{viewer}-1 button[data-action='elect']").ClickAsync();
        await Expect(page.Locator("#confirm-text")).ToHaveTextAsync($"Call an election for shard 1 from site {viewer}?");
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator("#notice")).ToHaveClassAsync("ok", new() { Timeout = 30_000 });
        await Expect(page.Locator("#notice")).ToContainTextAsync("elect done");

        await PromoteFromThePageAsync(cluster, page, viewer, doomed, shots);
        await SyncBanAndUnbanFromThePageAsync(page, viewer, shots);
        cluster.Passed();
    }

    // Sync a client replica from the page, then ban the viewing site and lift the ban: each confirmed, each answered,
    // the ban shown in the map's bans column while it lasts.
    private static async Task SyncBanAndUnbanFromThePageAsync(IPage page, int site, string shots)
    {
        var client = page.Locator("td.cell[data-role='Client'] button[data-action='sync']").First;
        await client.ClickAsync();
        await Expect(page.Locator("#confirm-text")).ToContainTextAsync("sync shard");
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator("#notice")).ToContainTextAsync("sync done", new() { Timeout = 30_000 });

        await page.Locator($"#site-{site} button[data-action='ban']").ClickAsync();
        await Expect(page.Locator("#confirm-text")).ToHaveTextAsync($"Ban site {site} (priority 0, its masterships handed over) for the ban period?");
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator("#notice")).ToContainTextAsync("ban done", new() { Timeout = 60_000 });
        await Expect(page.Locator($"#site-{site} td.bans")).ToContainTextAsync("banned", new() { Timeout = 30_000 });
        // The ban answers once its handovers are done: the map shows the banned site master of nothing.
        await Expect(page.Locator($"td.cell[id^='cell-{site}-'][data-role='Master']")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "4-banned.png"), FullPage = true });

        await page.Locator($"#site-{site} button[data-action='unban']").ClickAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator("#notice")).ToContainTextAsync("unban done", new() { Timeout = 60_000 });
        await Expect(page.Locator($"#site-{site} td.bans")).Not.ToContainTextAsync("banned", new() { Timeout = 30_000 });
    }

    // Promote a client replica of shard 1 from the page: the button, the confirmation, the map.
    private static async Task PromoteFromThePageAsync(SiloCluster cluster, IPage page, int viewer, int doomed, string shots)
    {
        var master = await cluster.MasterAsync(viewer, 1);
        var client = cluster.SiteIds.First(s => s != doomed && s != master);
        await page.Locator($"#cell-{client}-1 button[data-action='promote']").ClickAsync();
        await Expect(page.Locator("#confirm")).ToBeVisibleAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator($"#cell-{client}-1")).ToHaveAttributeAsync("data-role", "Master", new() { Timeout = 60_000 });
        await Expect(page.Locator("#notice")).ToHaveClassAsync("ok", new() { Timeout = 60_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "3-after-promote.png"), FullPage = true });
    }

    private static long Gen(System.Text.Json.JsonElement status, int shard) =>
        status.GetProperty("shards").EnumerateArray().Single(s => s.GetProperty("shard").GetInt32() == shard).GetProperty("gen").GetInt64();
}
