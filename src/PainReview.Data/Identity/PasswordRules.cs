using Microsoft.AspNetCore.Identity;
using PainReview.Data.Entities;

namespace PainReview.Data.Identity;

/// <summary>
/// Passwords as NIST SP 800-63B asks: long (12 or more, set in the Identity options) rather than
/// composed by rules, and not a common, repetitive or sequential one, nor one built from the
/// account's own e-mail or the product's name.
/// </summary>
public sealed class PasswordRules : IPasswordValidator<ApplicationUser>
{
    private static readonly HashSet<string> Common = LoadCommon();
    private static readonly string[] Sequences = ["abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "qwertzuiopasdfghjklyxcvbnm", "azertyuiopqsdfghjklmwxcvbn", "01234567890", "09876543210"];

    public Task<IdentityResult> ValidateAsync(UserManager<ApplicationUser> manager, ApplicationUser user, string? password)
    {
        var problem = Check(password ?? "", user.Email ?? user.UserName);
        return Task.FromResult(problem is null ? IdentityResult.Success : IdentityResult.Failed(new IdentityError { Code = "WeakPassword", Description = problem }));
    }

    /// <summary>Why the password is refused, or null.</summary>
    public static string? Check(string password, string? email)
    {
        var lower = password.ToLowerInvariant();
        if (!string.IsNullOrEmpty(email))
        {
            var local = email.Split('@')[0].ToLowerInvariant();
            if (lower.Contains(email.ToLowerInvariant(), StringComparison.Ordinal) || local.Length >= 3 && lower.Contains(local, StringComparison.Ordinal))
                return "The password must not contain your e-mail address or name.";
        }
        var core = Core(password);
        if (lower.Distinct().Count() <= 2 || core.Length > 0 && core.Distinct().Count() <= 2)
            return "The password repeats one or two characters: choose a longer phrase of several words.";
        if (core.Length > 0 && (Common.Contains(core) || IsRepeatOfCommon(core)))
            return "That is one of the most common passwords: choose a longer phrase of several words.";
        if (Sequences.Any(s => s.Contains(lower, StringComparison.Ordinal)) || core.Length >= 4 && Sequences.Any(s => s.Contains(core, StringComparison.Ordinal)))
            return "The password is a keyboard or alphabet sequence: choose a longer phrase of several words.";
        return null;
    }

    /// <summary>Lower case, digits and symbols at the ends dropped, l33t spelling undone, separators removed.</summary>
    private static string Core(string password)
    {
        var trimmed = password.Trim().TrimStart("0123456789!@#$%^&*()_+-=.,;:?'\"~` ".ToCharArray()).TrimEnd("0123456789!@#$%^&*()_+-=.,;:?'\"~` ".ToCharArray());
        var chars = trimmed.ToLowerInvariant().Select(c => c switch
        {
            '0' => 'o', '1' => 'i', '3' => 'e', '4' => 'a', '5' => 's', '7' => 't', '@' => 'a', '$' => 's', '!' => 'i', _ => c,
        }).Where(char.IsLetter);
        return new string(chars.ToArray());
    }

    private static bool IsRepeatOfCommon(string core)
    {
        for (var length = 3; length <= core.Length / 2; length++)
        {
            if (core.Length % length != 0) continue;
            var unit = core[..length];
            if (Common.Contains(unit) && string.Concat(Enumerable.Repeat(unit, core.Length / length)) == core) return true;
        }
        return false;
    }

    private static HashSet<string> LoadCommon()
    {
        using var stream = typeof(PasswordRules).Assembly.GetManifestResourceStream("PainReview.Data.common-passwords.txt")
            ?? throw new InvalidOperationException("The common-password list is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n').Where(l => !l.StartsWith('#'))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(Core).Where(w => w.Length > 0).ToHashSet();
    }
}
