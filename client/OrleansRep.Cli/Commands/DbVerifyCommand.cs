using System.CommandLine;
using OrleansRep.Storage.Tools;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep db verify</c>: checks every page and every log record of a closed environment (Berkeley DB's db_verify) and
/// changes nothing. Prints the summary, then each problem and note; exits 3 when anything is damaged.
/// </summary>
internal static class DbVerifyCommand
{
    public static Command Create()
    {
        var home = CommonOptions.Home();
        var command = new Command("verify", "check every page and log record; exit 3 if anything is damaged") { home };
        command.SetAction(parse =>
        {
            var dir = parse.GetRequiredValue(home);
            if (!Directory.Exists(dir))
            {
                throw new UsageException($"home {dir} does not exist");
            }

            var report = Verifier.Run(dir);
            Console.Out.WriteLine(report.Summary);
            foreach (var note in report.Notes)
            {
                Console.Out.WriteLine($"note: {note}");
            }

            foreach (var problem in report.Problems)
            {
                Console.Error.WriteLine($"problem: {problem}");
            }

            Console.Out.WriteLine(report.Ok ? "verify: OK" : $"verify: {report.Problems.Count} problem(s)");
            return report.Ok ? ExitCodes.Success : ExitCodes.Corruption;
        });
        return command;
    }
}
