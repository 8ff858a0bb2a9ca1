using OrleansRep.Cli.Output;
using OrleansRep.Storage;

namespace OrleansRep.Cli.Stats;

/// <summary>A <see cref="RecoveryReport"/> as aligned lines (orep db recover, db stat and the shell's banner).</summary>
internal static class RecoveryReportText
{
    public static void Write(TextWriter writer, RecoveryReport report, string indent = "")
    {
        var text = new AlignedText()
            .Add("created", report.Created ? "yes (new environment)" : "no")
            .Add("redo range", $"{report.RedoFrom} .. {report.LogEnd}")
            .Add("records scanned", report.RecordsScanned)
            .Add("commits replayed", report.CommitsReplayed)
            .Add("torn tail cut", report.TornTailBytes == 0
                ? "no"
                : $"{report.TornTailBytes} bytes at {report.TornTailAt} ({report.TornTailReason})");
        if (report.MetaFallback is not null)
        {
            text.Add("meta fallback", report.MetaFallback);
        }

        text.WriteTo(writer, indent);
    }
}
