using System.CommandLine;
using OrleansRep.Cli.Shell;
using OrleansRep.Cli.Stats;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep shell</c>: a small interactive shell on one environment (put/get/del/scan, dbs, stat, checkpoint). It reads
/// stdin, so it also runs piped scripts; the <c>orep&gt; </c> prompt is shown only when stdin is a terminal, so a
/// piped session's output is just the answers.
/// </summary>
internal static class ShellCommand
{
    public const string Prompt = "orep> ";

    public static Command Create()
    {
        var home = CommonOptions.Home();
        var command = new Command("shell", "interactive engine shell on one environment (created when missing)") { home };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetRequiredValue(home), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string home, CancellationToken cancellationToken)
    {
        var interactive = !Console.IsInputRedirected;
        var output = Console.Out;
        using var env = EnvironmentHome.OpenOrCreate(home);
        output.Write($"orep shell: home {Path.GetFullPath(home)}\n");
        RecoveryReportText.Write(output, env.RecoveryReport, "  ");
        if (interactive)
        {
            output.Write("type help for commands, quit to leave\n");
        }

        var session = new ShellSession(env, output, Console.Error);
        var input = Console.In;
        while (true)
        {
            if (interactive)
            {
                output.Write(Prompt);
                output.Flush();
            }

            string? line;
            try
            {
                // ReadLine cannot be cancelled; waiting on it with the token lets Ctrl+C close the environment cleanly.
                line = await input.ReadLineAsync(cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                output.Write("\n");
                break;
            }

            if (line is null || !session.Execute(line))
            {
                break;
            }
        }

        return session.ExitCode;
    }
}
