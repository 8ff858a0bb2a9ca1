using System.CommandLine;
using System.Globalization;
using OrleansRep.Cli.Cluster;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep backup --site N --to DIR</c>: a hot backup of site N (its own environment and every shard replica's;
/// writes go on) into DIR, a path on the site's host (as Berkeley DB's db_hotbackup: for the local cluster, this
/// machine). The site copies on a thread of its own; orep polls its status every 250 ms and shows bytes copied of the
/// total expected on stderr (one line rewritten in place on a terminal, else a line at most once a second), then
/// prints one summary line on stdout. A relative or non-empty DIR is refused (exit 2) and nothing is written; a backup
/// that fails leaves no manifest, so it is never taken for a whole one (exit 1).
/// </summary>
internal static class BackupCommand
{
    public static Command Create()
    {
        var site = CommonOptions.AtLeast("--site", 1, "the site to back up");
        site.Required = true;
        var to = new Option<string>("--to") { Description = "the backup directory: an absolute path on the site's host, absent or empty", HelpName = "DIR", Required = true };
        var command = new Command("backup", "hot backup of one site's storage into a directory on its host (writes go on)") { site, to };
        var cluster = ClusterArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var directory = parse.GetRequiredValue(to);
            if (!Path.IsPathFullyQualified(directory))
            {
                // Checked here too, before connecting: the site would refuse it the same way.
                Console.Error.WriteLine($"orep: error: the backup directory must be an absolute path on the site's host, not '{directory}'");
                return ExitCodes.BadInput;
            }

            await using var client = await cluster.ConnectAsync(parse, ct).ConfigureAwait(false);
            return await RunAsync(client, parse.GetValue(site), directory, Console.Out, Console.Error, !Console.IsErrorRedirected, TimeProvider.System, ct).ConfigureAwait(false);
        });
        return command;
    }

    public static async Task<int> RunAsync(OrleansRepClient client, int site, string directory, TextWriter output, TextWriter progress, bool terminal, TimeProvider time, CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        var shown = new ProgressLine(progress, terminal, time);
        SiteBackupStatus done;
        try
        {
            done = await client.BackupSiteAsync(site, directory, new Reporter(shown.Show), cancellationToken).ConfigureAwait(false);
        }
        catch (SiteBackupRejectedException e)
        {
            shown.End();
            progress.WriteLine($"orep: error: {ErrorReporter.Describe(e)}");
            return ExitCodes.BadInput;
        }
        catch (SiteBackupFailedException)
        {
            shown.End();
            throw;
        }

        shown.End();
        var seconds = Math.Max(time.GetElapsedTime(start).TotalSeconds, 0.001);
        output.Write(string.Create(CultureInfo.InvariantCulture,
            $"backup of site {site} to {directory}: {done.BytesCopied} bytes ({string.Join(", ", done.Environments)}) in {seconds:F1} s, {done.BytesCopied / 1e6 / seconds:F1} MB/s\n"));
        return ExitCodes.Success;
    }

    private sealed class Reporter(Action<SiteBackupStatus> show) : IProgress<SiteBackupStatus>
    {
        public void Report(SiteBackupStatus value) => show(value);
    }

    /// <summary>The progress display: rewritten in place on a terminal; otherwise a line when a second has passed.</summary>
    private sealed class ProgressLine(TextWriter writer, bool terminal, TimeProvider time)
    {
        private long _last = long.MinValue;
        private bool _open;

        public void Show(SiteBackupStatus s)
        {
            if (s.State == SiteBackupState.Running && s.TotalBytes == 0)
            {
                return; // not sized yet
            }

            var now = time.GetTimestamp();
            if (!terminal && _last != long.MinValue && time.GetElapsedTime(_last, now) < TimeSpan.FromSeconds(1) && s.State == SiteBackupState.Running)
            {
                return;
            }

            _last = now;
            var percent = s.TotalBytes > 0 ? 100.0 * s.BytesCopied / s.TotalBytes : 0;
            var line = string.Create(CultureInfo.InvariantCulture, $"backup: {s.BytesCopied / 1048576.0:F1} of {s.TotalBytes / 1048576.0:F1} MiB ({percent:F0}%) {s.Environment}");
            if (terminal)
            {
                writer.Write($"\r{line,-72}");
                _open = true;
            }
            else
            {
                writer.WriteLine(line);
            }

            writer.Flush();
        }

        public void End()
        {
            if (_open)
            {
                writer.WriteLine();
                _open = false;
            }
        }
    }
}
