namespace OrleansRep.Runtime.Core;

/// <summary>One waiting turn in an activation's mailbox: how to run it, and how to fail it if the activation
/// never becomes able to (its activation failed).</summary>
internal sealed class MailboxItem(Func<Task> run, Action<Exception> fail)
{
    /// <summary>Runs the turn; never throws (the outcome goes to whoever waits for it).</summary>
    public Func<Task> Run { get; } = run;

    public Action<Exception> Fail { get; } = fail;
}
