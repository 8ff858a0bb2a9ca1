using System.CommandLine;

namespace OrleansRep.Cli;

/// <summary>Options several commands share, declared once so their names and help read the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<string> Home() => new("--home")
    {
        Description = "the environment's home directory",
        HelpName = "DIR",
        Required = true,
    };

    public static Option<string> Database(bool required, string description) => new("--db")
    {
        Description = description,
        HelpName = "NAME",
        Required = required,
    };

    /// <summary>An integer option that must be at least <paramref name="minimum"/>.</summary>
    public static Option<int> AtLeast(string name, int minimum, string description, int? defaultValue = null)
    {
        var option = new Option<int>(name) { Description = description, HelpName = "N" };
        if (defaultValue is { } value)
        {
            option.DefaultValueFactory = _ => value;
        }

        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < minimum)
            {
                result.AddError($"{name} must be at least {minimum}");
            }
        });
        return option;
    }
}
